/**
 * The Audio, Vision and Text tools pages' calls, with Workers AI's output shapes (reference
 * §3.2) declared here. A model's answer is data from outside: each is checked against its
 * shape before a page shows it, so a page never renders a value it did not expect (and
 * Preact escapes every string it renders).
 */
import { runModel } from "./api.js";

export interface Word {
  word: string;
  /** Seconds from the start of the audio. */
  start: number;
  end: number;
}

export interface Transcript {
  text: string;
  words: Word[];
  /** WebVTT, one cue per sentence; empty when the model sent none. */
  vtt: string;
}

export interface Label {
  label: string;
  /** 0–1. */
  score: number;
}

export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/** A detection; the box is in pixels of the image sent. */
export interface Detection extends Label {
  box: Box;
}

/** A reranked context: `id` is its index in the request's list. */
export interface Ranked {
  id: number;
  score: number;
}

class ShapeError extends Error {
  constructor(what: string) {
    super(`The model's answer is not ${what}`);
    this.name = "ShapeError";
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

function text(value: unknown, field: string): string {
  if (!isRecord(value) || typeof value[field] !== "string") throw new ShapeError(`{${field}: string}`);
  return value[field];
}

function list<T>(value: unknown, what: string, item: (v: Record<string, unknown>) => T | undefined): T[] {
  if (!Array.isArray(value)) throw new ShapeError(what);
  return value.map((v) => {
    const checked = isRecord(v) ? item(v) : undefined;
    if (checked === undefined) throw new ShapeError(what);
    return checked;
  });
}

const toLabel = (v: Record<string, unknown>): Label | undefined => (typeof v.label === "string" && isNumber(v.score) ? { label: v.label, score: v.score } : undefined);

export function toTranscript(value: unknown): Transcript {
  const words = list(isRecord(value) ? value.words : undefined, "a transcript with words", (w) =>
    typeof w.word === "string" && isNumber(w.start) && isNumber(w.end) ? { word: w.word, start: w.start, end: w.end } : undefined,
  );
  return { text: text(value, "text"), words, vtt: isRecord(value) && typeof value.vtt === "string" ? value.vtt : "" };
}

export function toLabels(value: unknown): Label[] {
  return list(value, "a list of {label, score}", toLabel);
}

export function toDetections(value: unknown): Detection[] {
  return list(value, "a list of {label, score, box}", (v) => {
    const label = toLabel(v);
    const b = v.box;
    if (!label || !isRecord(b) || ![b.xmin, b.ymin, b.xmax, b.ymax].every(isNumber)) return undefined;
    return { ...label, box: { xmin: b.xmin as number, ymin: b.ymin as number, xmax: b.xmax as number, ymax: b.ymax as number } };
  });
}

/** `contexts`: how many were sent; an id outside them is refused, not shown. */
export function toRanking(value: unknown, contexts: number): Ranked[] {
  const response = isRecord(value) ? value.response : undefined;
  return list(response, "{response: [{id, score}]} for the contexts sent", (v) =>
    Number.isInteger(v.id) && (v.id as number) >= 0 && (v.id as number) < contexts && isNumber(v.score) ? { id: v.id as number, score: v.score } : undefined,
  );
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Text-to-speech's `{audio}`: base64 of an MP3 (or WAV), as bytes. */
export function toSpeech(value: unknown): Uint8Array<ArrayBuffer> {
  const audio = text(value, "audio");
  if (!BASE64.test(audio) || audio.length % 4 !== 0 || audio.length === 0) throw new ShapeError("{audio: base64}");
  return Uint8Array.from(atob(audio), (c) => c.charCodeAt(0));
}

export const transcribe = async (model: string, audio: Blob) => toTranscript(await runModel(model, audio));
export const speak = async (model: string, inputs: { prompt: string; lang?: string }) => toSpeech(await runModel(model, inputs));
export const translate = async (model: string, inputs: { text: string; source_lang: string; target_lang: string }) => text(await runModel(model, inputs), "translated_text");
export const summarize = async (model: string, inputs: { input_text: string; max_length?: number }) => text(await runModel(model, inputs), "summary");
export const classifyText = async (model: string, inputs: { text: string }) => toLabels(await runModel(model, inputs));
export const rerank = async (model: string, inputs: { query: string; contexts: { text: string }[]; top_k?: number }) => toRanking(await runModel(model, inputs), inputs.contexts.length);
export const classifyImage = async (model: string, image: Blob) => toLabels(await runModel(model, image));
export const detectObjects = async (model: string, image: Blob) => toDetections(await runModel(model, image));
/** Image-to-text takes the image as JSON's byte array, beside its prompt. */
export const describeImage = async (model: string, image: Blob, prompt: string) =>
  text(await runModel(model, { image: [...new Uint8Array(await image.arrayBuffer())], prompt, max_tokens: 128 }), "description");
