import { useState } from "preact/hooks";
import { drawImage, type ImageInputs } from "../api.js";
import { CodeDialog } from "../compare/code-dialog.js";
import { imageSnippet } from "../compare/snippets.js";
import { ModelSelect, useModel } from "../model-select.js";
import { TEXT_TO_IMAGE, type Models } from "../models.js";

/** The form as typed: numbers stay text so that an empty field means "the model's default". */
interface Form {
  prompt: string;
  negative: string;
  width: string;
  height: string;
  steps: string;
  seed: string;
  guidance: string;
  strength: string;
}

const START: Form = { prompt: "a lighthouse on a cliff at dawn", negative: "", width: "", height: "", steps: "", seed: "", guidance: "", strength: "" };

/** An unset field is left out; anything else goes as a number, even a bad one, so the server names the problem. */
const number = (text: string) => (text.trim() === "" ? undefined : Number(text));

async function bytesOf(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The request the form describes, with the uploads read. */
async function toInputs(form: Form, image: File | undefined, mask: File | undefined): Promise<ImageInputs> {
  const fields = {
    prompt: form.prompt,
    negative_prompt: form.negative.trim() || undefined,
    width: number(form.width),
    height: number(form.height),
    num_steps: number(form.steps),
    seed: number(form.seed),
    guidance: number(form.guidance),
    strength: image ? number(form.strength) : undefined,
    image_b64: image && base64(await bytesOf(image)),
    mask: image && mask ? [...(await bytesOf(mask))] : undefined,
  };
  return { ...(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Omit<ImageInputs, "stream">), stream: true };
}

interface Picture {
  src: string;
  model: string;
  /** Counts the pictures drawn, so that one drawn again with the same seed (the same bytes) is still news. */
  count: number;
}

/** A prompt in, a picture out, drawn with a progress bar from the step events. */
export function ImagesPage({ hidden, models }: { hidden: boolean; models: Models }) {
  const [model, setModel] = useModel(models, TEXT_TO_IMAGE);
  const [form, setForm] = useState<Form>(START);
  const [image, setImage] = useState<File>();
  const [mask, setMask] = useState<File>();
  const [progress, setProgress] = useState<{ step: number; steps: number }>();
  const [picture, setPicture] = useState<Picture>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState<{ model: string; inputs: ImageInputs }>();

  const set = (key: keyof Form) => (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => setForm({ ...form, [key]: e.currentTarget.value });
  const draw = async () => {
    setBusy(true);
    setError(undefined);
    setProgress(undefined);
    try {
      for await (const event of drawImage(model, await toInputs(form, image, mask))) {
        if (event.type === "step") setProgress(event);
        else setPicture((last) => ({ src: `data:image/png;base64,${event.png}`, model, count: (last?.count ?? 0) + 1 }));
      }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const numberField = (key: keyof Form, label: string, placeholder: string, step = "1") => (
    <div class="field">
      <label for={`images-${key}`}>{label}</label>
      <input id={`images-${key}`} type="number" step={step} placeholder={placeholder} value={form[key]} onInput={set(key)} />
    </div>
  );

  return (
    <section class="page images" hidden={hidden} aria-labelledby="images-title">
      <h1 id="images-title">Images</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void draw();
        }}
      >
        <ModelSelect id="images-model" label="Model" task={TEXT_TO_IMAGE} value={model} models={models} onChange={setModel} />
        <div class="field">
          <label for="images-prompt">Prompt</label>
          <textarea id="images-prompt" rows={2} value={form.prompt} onInput={set("prompt")} />
        </div>
        <div class="field">
          <label for="images-negative">Negative prompt</label>
          <input id="images-negative" type="text" value={form.negative} onInput={set("negative")} />
        </div>
        <div class="settings">
          {numberField("width", "Width", "default")}
          {numberField("height", "Height", "default")}
          {numberField("steps", "Steps", "default")}
          {numberField("guidance", "Guidance", "7.5", "any")}
          {numberField("seed", "Seed", "random")}
          <button type="button" onClick={() => setForm({ ...form, seed: String(Math.floor(Math.random() * 2 ** 32)) })}>
            Randomize seed
          </button>
        </div>
        <fieldset>
          <legend>Start from a picture (img2img, inpainting)</legend>
          <div class="field">
            <label for="images-image">Image</label>
            <input id="images-image" type="file" accept="image/*" onChange={(e) => setImage(e.currentTarget.files?.[0])} />
          </div>
          <div class="field">
            <label for="images-mask">Mask (inpainting models: white is repainted)</label>
            <input id="images-mask" type="file" accept="image/*" onChange={(e) => setMask(e.currentTarget.files?.[0])} />
          </div>
          {numberField("strength", "Strength", "1", "any")}
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !model || !form.prompt.trim()}>
            {busy ? "Drawing…" : "Generate"}
          </button>
          {busy && <progress aria-label="Denoising steps" value={progress?.step ?? 0} max={progress?.steps ?? 1} />}
          <button type="button" disabled={!model} onClick={() => void toInputs(form, image, mask).then((inputs) => setCode({ model, inputs }))}>
            Copy as code
          </button>
          {progress && (
            <span class="steps" role="status">
              Step {progress.step} of {progress.steps}
            </span>
          )}
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {picture && (
        <figure class="picture" data-count={picture.count}>
          <img src={picture.src} alt={`Drawn by ${picture.model}`} />
          <figcaption>
            <a href={picture.src} download="outpost.png">
              Download PNG
            </a>
          </figcaption>
        </figure>
      )}
      {code && <CodeDialog title={`${code.model}: the request this form sends`} snippet={(kind) => imageSnippet(kind, location.origin, code.model, code.inputs)} onClose={() => setCode(undefined)} />}
    </section>
  );
}
