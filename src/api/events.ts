// Tag "events" (relaymq extension): GET /events, broker events as Server-Sent Events.
//
// Each listener has a bounded buffer: events wait in it while the socket's own buffer is full.
// A listener that falls MAX_PENDING events behind gets a final `stream.overflow` event and is
// disconnected, so a slow dashboard costs the broker at most that much memory and never slows it.
import type { ServerResponse } from 'node:http';
import type { Handler } from './types.ts';
import { StreamingReply } from './streaming.ts';
import type { EventSource, FeedEvent, FeedEventType } from '../broker/event-feed.ts';

/** Events one listener may have waiting before it is disconnected (documented in the spec). */
export const MAX_PENDING = 1000;
const DEFAULT_HEARTBEAT_S = 15;
/** How long a listener cut off for falling behind has to read its last events. */
const OVERFLOW_GRACE_MS = 30_000;

interface StreamOptions {
  types?: Set<FeedEventType>;
  clientid?: string;
  heartbeatMs: number;
  /** The server ends the stream after this long; undefined: never. */
  timeoutMs?: number;
  nodeId: number;
}

class EventStream extends StreamingReply {
  constructor(private readonly source: EventSource, private readonly o: StreamOptions) {
    super();
  }

  start(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no', // proxies must not hold events back
    });
    res.flushHeaders();
    const pending: string[] = [];
    let waiting = false; // the socket's buffer is full: events wait in `pending`
    let ended = false;
    const write = (chunk: string) => {
      if (waiting) return void pending.push(chunk);
      if (!res.write(chunk)) waiting = true;
    };
    const end = () => {
      if (ended) return;
      ended = true;
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(timeout);
    };
    res.on('drain', () => {
      waiting = false;
      while (!waiting && pending.length) write(pending.shift()!);
    });
    const unsubscribe = this.source.subscribe((e) => {
      if (ended || !this.wanted(e)) return;
      if (pending.length >= MAX_PENDING) {
        end();
        // Past the buffer: what waits is dropped, and the listener reads what is already on its
        // way, then why it is cut off, then the end. One that does not read that within the
        // grace period is cut off without it.
        pending.length = 0;
        res.end(frame({ type: 'stream.overflow', node_id: this.o.nodeId, time: Date.now(), pending: MAX_PENDING }));
        setTimeout(() => res.destroy(), OVERFLOW_GRACE_MS).unref();
        return;
      }
      write(frame(e));
    });
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), this.o.heartbeatMs);
    heartbeat.unref();
    const timeout = this.o.timeoutMs === undefined ? undefined : setTimeout(() => {
      end();
      res.end();
    }, this.o.timeoutMs).unref();
    res.on('close', end);
    write(frame({ type: 'stream.open', node_id: this.o.nodeId, time: Date.now() }));
  }

  private wanted(e: FeedEvent): boolean {
    if (this.o.types && !this.o.types.has(e.type)) return false;
    return this.o.clientid === undefined || e.clientid === this.o.clientid;
  }
}

function frame(e: { type: string; [field: string]: unknown }): string {
  return `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
}

export const stream_events: Handler<'stream_events'> = async (req, ctx) => new EventStream(ctx.cluster.events, {
  types: req.query.type === undefined ? undefined : new Set(req.query.type.split(',') as FeedEventType[]),
  clientid: req.query.clientid,
  heartbeatMs: (req.query.heartbeat ?? DEFAULT_HEARTBEAT_S) * 1000,
  timeoutMs: req.query.timeout === undefined ? undefined : req.query.timeout * 1000,
  nodeId: ctx.cluster.local().id,
});
