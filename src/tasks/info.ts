import type { TaskId } from "../contract/index.js";

/** Workers AI task metadata; the ids are Cloudflare's stable task UUIDs, used in models/search. */
export const TASK_INFO: Record<TaskId, { uuid: string; name: string; description: string }> = {
  "text-generation": { uuid: "c329a1f9-323d-4e91-b2aa-582dd4188d34", name: "Text Generation", description: "Family of generative text models, such as large language models (LLM), that can be adapted for a variety of natural language tasks." },
  "text-embeddings": { uuid: "0137cdcf-162a-4108-94f2-1ca59e8c65ee", name: "Text Embeddings", description: "Feature extraction models transform raw data into numerical features that can be processed while preserving the information in the original dataset." },
  "text-to-image": { uuid: "3d6e1f35-341b-4915-a6c8-9a7142a9033a", name: "Text-to-Image", description: "Generates images from input text." },
  "text-to-speech": { uuid: "b52660a1-9a95-4ab2-8b1d-f232be34604a", name: "Text-to-Speech", description: "Text-to-Speech (TTS) is the task of generating natural sounding speech given text input. TTS models can be extended to have a single model that generates speech for multiple speakers and multiple languages." },
  "speech-recognition": { uuid: "dfce1c48-2a81-462e-a7fd-de97ce985207", name: "Automatic Speech Recognition", description: "Automatic speech recognition (ASR) models convert a speech signal, typically an audio input, to text." },
  translation: { uuid: "f57d07cb-9087-487a-bbbf-bc3e17fecc4b", name: "Translation", description: "Translation models convert a sequence of text from one language to another." },
  "text-classification": { uuid: "19606750-23ed-4371-aab2-c20349b53a60", name: "Text Classification", description: "Sentiment analysis or text classification is a common NLP task that classifies a text input into labels or classes." },
  "image-classification": { uuid: "00cd182b-bf30-4fc4-8481-84a3ab349657", name: "Image Classification", description: "Image classification models take an image input and assigns it labels or classes." },
  "object-detection": { uuid: "9c178979-90d9-49d8-9e2c-0f1cf01815d4", name: "Object Detection", description: "Object detection models can detect instances of objects like persons, faces, license plates, or others in an image." },
  summarization: { uuid: "6f4e65d8-da0f-40d2-9aa4-db582a5a04fd", name: "Summarization", description: "Summarization is the task of producing a shorter version of a document while preserving its important information." },
  "image-to-text": { uuid: "882a91d1-c331-4eec-bdad-834c919942a8", name: "Image-to-Text", description: "Image to text models output a text from a given image." },
  "sentence-similarity": { uuid: "69bf4e84-441e-401a-bdfc-256fd54d0fff", name: "Sentence Similarity", description: "Sentence Similarity is the task of determining how similar two texts are." },
};

export const TASK_IDS = Object.keys(TASK_INFO) as TaskId[];
