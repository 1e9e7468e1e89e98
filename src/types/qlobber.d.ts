// The part of qlobber (8.x, no typings of its own) that relaymq uses.
declare module 'qlobber' {
  interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
  }
  class QlobberTrue {
    constructor(options?: QlobberOptions);
    add(topic: string): this;
    remove(topic: string): this;
    test(topic: string): boolean;
  }
  const qlobber: { QlobberTrue: typeof QlobberTrue };
  export default qlobber;
}
