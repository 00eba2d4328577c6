import { OutpostError, type TaskId } from "../contract/index.js";
import { DEFAULT_BODY_LIMITS, type BodyLimits } from "./body-limits.js";
import type { Task } from "./task.js";
import { textEmbeddings } from "./text-embeddings.js";
import { textGeneration } from "./text-generation.js";
import { imageClassification } from "./image-classification.js";
import { objectDetection } from "./object-detection.js";
import { imageToText } from "./image-to-text.js";
import { summarization } from "./summarization.js";
import { textClassification } from "./text-classification.js";
import { translation } from "./translation.js";
import { textToImage } from "./text-to-image.js";
import { speechRecognition } from "./speech-recognition.js";
import { textToSpeech } from "./text-to-speech.js";

export type { Task, JsonSchema, Prepared } from "./task.js";
export { TASK_INFO, TASK_IDS } from "./info.js";
export { CHAT_TEMPLATES, isChatTemplateName, type ChatTemplateName } from "./chat-templates.js";
export { collectText, type CollectedText } from "./collect.js";
export { formatToolCalls, newCallId } from "./tools.js";
export { CallScanner, type CallDelta } from "./tool-stream.js";
export * from "./constants.js";
export { DEFAULT_BODY_LIMITS, type BodyLimits } from "./body-limits.js";
export { sentences, toSrt, toVtt } from "./subtitles.js";

const TASKS: Partial<Record<TaskId, Task>> = {
  "text-generation": textGeneration,
  "text-embeddings": textEmbeddings,
  translation,
  summarization,
  "text-classification": textClassification,
  "image-classification": imageClassification,
  "object-detection": objectDetection,
  "image-to-text": imageToText,
  "text-to-image": textToImage,
  "speech-recognition": speechRecognition,
  "text-to-speech": textToSpeech,
};

/** The task implementation, or undefined where Outpost has none yet. */
export function findTask(id: TaskId): Task | undefined {
  return TASKS[id];
}

export function getTask(id: TaskId): Task {
  const task = TASKS[id];
  if (!task) throw new OutpostError("ENGINE_UNAVAILABLE", `Outpost does not implement the ${id} task yet`);
  return task;
}

/** The body structure ceilings of a task's requests. */
export function bodyLimitsFor(id: TaskId): BodyLimits {
  return TASKS[id]?.bodyLimits ?? DEFAULT_BODY_LIMITS;
}

/** The input a raw request body fills for this task, if it takes one (see Task.binaryInput). */
export function binaryInputFor(id: TaskId): string | undefined {
  return TASKS[id]?.binaryInput;
}
