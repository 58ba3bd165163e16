// How cloud functions report what they did: a callback, so that src/cloud never sees a Kubernetes object or
// the event machinery. Reasons are CAPO's (before its title-casing, which the recorder applies).
export type EventType = "Normal" | "Warning";
export type Recorder = (type: EventType, reason: string, message: string) => void;

/** For callers that want no events (tools, tests). */
export const noRecorder: Recorder = () => undefined;
