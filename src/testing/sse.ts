/** Reading a Server-Sent Events response in tests: events as they arrive, comments counted. */

export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/** Reads a stream in the background, parsing its events; `until` waits for a condition. */
export function sse(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: SseEvent[] = [];
  let buffer = "";
  let comments = 0;
  let done = false;
  let wake = () => {};
  const ended = (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (r.done) break;
      buffer += decoder.decode(r.value, { stream: true });
      for (let i = buffer.indexOf("\n\n"); i >= 0; i = buffer.indexOf("\n\n")) {
        const lines = buffer.slice(0, i).split("\n");
        buffer = buffer.slice(i + 2);
        if (lines.every((l) => l.startsWith(":"))) comments++;
        const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
        if (field("event")) events.push({ event: field("event")!, id: field("id"), data: JSON.parse(field("data")!) });
      }
      wake();
    }
    done = true;
    wake();
  })();
  const until = async <T>(check: () => T | undefined | false, what: string, ms = 8000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v) return v;
      if (done || Date.now() > deadline) throw new Error(`stream ${done ? "ended" : "timed out"} waiting for ${what}; got ${JSON.stringify(events)}`);
      await Promise.race([new Promise<void>((r) => (wake = r)), Bun.sleep(50)]);
    }
  };
  return { events, until, ended, cancel: () => reader.cancel(), comments: () => comments, done: () => done };
}

/** The events of one name. */
export const eventsOf = (events: SseEvent[], name: string) => events.filter((e) => e.event === name);
