#!/usr/bin/env node
// The `relaymq` command: the TypeScript sources run through tsx's loader (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
