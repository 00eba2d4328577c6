import { encodeWav } from "./wav.js";

/** Whisper's rate: recording at it keeps uploads small (32 kB a second) and skips the server's resampling. */
const SAMPLE_RATE = 16_000;

export interface Recording {
  /** Ends the recording and answers it as a 16 kHz mono WAV. */
  stop(): Promise<Blob>;
  /** Ends it and drops what was recorded. */
  cancel(): void;
}

/**
 * Records from the microphone. MediaRecorder's containers (WebM/Opus in Chromium, MP4 in
 * Safari) are nothing Whisper's endpoints take, so the browser decodes what it recorded and
 * the page sends it as WAV.
 */
export async function startRecording(): Promise<Recording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const release = () => stream.getTracks().forEach((t) => t.stop());
  let recorder: MediaRecorder;
  try {
    recorder = new MediaRecorder(stream);
  } catch (error) {
    release();
    throw error;
  }
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => chunks.push(e.data);
  recorder.start();
  const stopped = new Promise<void>((resolve) => (recorder.onstop = () => resolve()));
  return {
    async stop() {
      recorder.stop();
      await stopped;
      release();
      return toWav(new Blob(chunks, { type: recorder.mimeType }));
    },
    cancel() {
      if (recorder.state !== "inactive") recorder.stop();
      release();
    },
  };
}

async function toWav(recorded: Blob): Promise<Blob> {
  const context = new AudioContext();
  let decoded: AudioBuffer;
  try {
    decoded = await context.decodeAudioData(await recorded.arrayBuffer());
  } finally {
    void context.close();
  }
  // Rendering through an offline context mixes the channels down and resamples.
  const offline = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * SAMPLE_RATE)), SAMPLE_RATE);
  const source = offline.createBufferSource();
  source.buffer = decoded;
  source.connect(offline.destination);
  source.start();
  const mono = await offline.startRendering();
  return new Blob([encodeWav(mono.getChannelData(0), SAMPLE_RATE)], { type: "audio/wav" });
}
