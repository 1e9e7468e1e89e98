// Tag "api" (relaymq extension): the contract itself, served as the file it is (YAML) and as
// JSON, for SDK generators and API tools. Read once.
import { readFileSync } from 'node:fs';
import type { Handler } from './types.ts';
import { SPEC_PATH, specDocument } from './spec.ts';

let yaml: string | undefined;

export const get_openapi_yaml: Handler<'get_openapi_yaml'> = async () => (yaml ??= readFileSync(SPEC_PATH, 'utf8'));

export const get_openapi_json: Handler<'get_openapi_json'> = async () => specDocument() as unknown as Awaited<ReturnType<Handler<'get_openapi_json'>>>;
