// Every plugin relaymq ships, in the order the API lists them.
import type { PluginDefinition } from './plugin.ts';
import acl from './rmqtt-acl/index.ts';
import authHttp from './rmqtt-auth-http/index.ts';
import counter from './rmqtt-counter/index.ts';
import httpApi from './rmqtt-http-api/index.ts';
import sysTopic from './rmqtt-sys-topic/index.ts';
import webHook from './rmqtt-web-hook/index.ts';
import authScram from './relaymq-auth-scram/index.ts';

export const PLUGINS: PluginDefinition<any>[] = [acl, authHttp, counter, httpApi, sysTopic, webHook, authScram];
