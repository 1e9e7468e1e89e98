// The file `npm start` runs (the bundle `npm run build` makes, scripts/bundle.sh), read from
// package.json's start script, so that the tests and the start-up bench run what operators run.
import { readFileSync } from 'node:fs';

export const START_FILE = /^node (\S+)$/.exec((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start)![1];
