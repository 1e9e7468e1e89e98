// msgpack-lite (no typings of its own): relaymq only decodes, to migrate relaymq 0.1 stores.
declare module 'msgpack-lite' {
  const msgpack: { decode(buf: Buffer): unknown; encode(value: unknown): Buffer };
  export default msgpack;
}
