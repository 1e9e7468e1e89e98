// A reply that is a stream rather than one body (Server-Sent Events): a handler returns one, and
// the server hands it the request and the response instead of writing an envelope.
import type { ServerResponse } from 'node:http';

export abstract class StreamingReply {
  /** Writes the status and headers, then the stream, until either side ends it. */
  abstract start(res: ServerResponse): void;
}
