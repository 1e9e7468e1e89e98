// Writes to one client within one event-loop turn leave in one system call.
//
// mqtt-packet corks a socket only until the next tick, and Aedes writes each packet from its own
// callback, so a turn that sent a subscriber 16 messages made 16 writev calls, and each PUBACK
// to a publisher one more: at QoS 1 about a fifth of the broker's CPU went to those calls, and
// the client paid as much again reading them one by one. Here the first write of a turn corks
// the client's socket and an immediate uncorks it: everything written before that immediate
// runs leaves in one call.
//
// A delivery corks before Aedes queues the immediate that writes it (deliverQoS), so the uncork
// runs right after that write, in the same turn: a subscriber acknowledging its window gets the
// next messages without waiting a turn more. A write made inside an immediate without a
// delivery before it (a PUBACK, say) waits for the next turn's immediates: that costs it one
// turn, at most, while the loop is busy, and nothing when it is idle.

/** Something writable that can be corked: a TCP or TLS socket, or a WebSocket's stream. */
interface Corkable {
  cork?: () => void;
  uncork?: () => void;
}

/**
 * One client's batch: call before() before writing to its stream (or before queuing a write to
 * it). An object with a shared uncork, not closures: one per connection.
 */
export class WriteBatch {
  private corked = false;
  private readonly stream: Corkable | null;

  constructor(stream: Corkable) {
    this.stream = typeof stream.cork === 'function' && typeof stream.uncork === 'function' ? stream : null;
  }

  before(): void {
    if (this.corked || !this.stream) return;
    this.corked = true;
    this.stream.cork!();
    setImmediate(uncork, this);
  }

  /** Ends the turn's batch: what was written since before() leaves now. */
  flush(): void {
    this.corked = false;
    this.stream!.uncork!();
  }
}

function uncork(batch: WriteBatch): void {
  batch.flush();
}
