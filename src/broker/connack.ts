// Aedes 2.0-beta writes `sharedSubscriptionAvailable: false` into every MQTT 5 CONNACK, because
// Aedes itself has no shared subscriptions. relaymq has them (shared-subscriptions.ts), so that
// one property is corrected where CONNACKs are serialized: mqtt-packet's writeToStream, which
// Aedes looks up at every write. Nothing else about any packet changes.
import mqttPacket from 'mqtt-packet';

let installed = false;

export function advertiseSharedSubscriptions(): void {
  if (installed) return;
  installed = true;
  const writeToStream = mqttPacket.writeToStream;
  mqttPacket.writeToStream = function (this: unknown, packet, stream, opts) {
    const props = (packet as { properties?: { sharedSubscriptionAvailable?: boolean } }).properties;
    if (packet.cmd === 'connack' && props?.sharedSubscriptionAvailable === false) props.sharedSubscriptionAvailable = true;
    return writeToStream.call(this, packet, stream, opts);
  } as typeof writeToStream;
}
