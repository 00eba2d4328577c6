import { useState } from "preact/hooks";
import type { Models } from "../models.js";
import { ClassifyImagePanel, DescribePanel, DetectPanel, type Picture } from "./vision-panels.js";

/** A data: URL of the file, which the page's content policy lets an <img> show (blob: it does not). */
function dataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error("the file could not be read"));
    reader.readAsDataURL(file);
  });
}

/** One uploaded image, and what each kind of vision model says of it. */
export function VisionPage({ hidden, models }: { hidden: boolean; models: Models }) {
  const [picture, setPicture] = useState<Picture>();
  const [unreadable, setUnreadable] = useState(false);

  const pick = async (file: File | undefined) => {
    setUnreadable(false);
    if (!file) return setPicture(undefined);
    // The models get the file as it is, even one the browser cannot show: the server says what is wrong with it.
    setPicture({ file });
    const src = await dataUrl(file).catch(() => undefined);
    setPicture((now) => (now?.file === file ? { file, src } : now));
  };

  return (
    <section class="page vision" hidden={hidden} aria-labelledby="vision-title">
      <h1 id="vision-title">Vision</h1>
      <div class="field upload">
        <label for="vision-file">Image (PNG, JPEG, WebP, GIF…)</label>
        <input id="vision-file" type="file" accept="image/*" onChange={(e) => void pick(e.currentTarget.files?.[0])} />
      </div>
      {picture?.src && !unreadable && (
        <img
          class="preview"
          src={picture.src}
          alt={`The uploaded image, ${picture.file.name}`}
          onError={() => setUnreadable(true)}
        />
      )}
      {unreadable && <p class="hint">This browser cannot show the file; the models will still be sent it.</p>}
      <div class="tools">
        <ClassifyImagePanel models={models} picture={picture} />
        <DetectPanel models={models} picture={picture} />
        <DescribePanel models={models} picture={picture} />
      </div>
    </section>
  );
}
