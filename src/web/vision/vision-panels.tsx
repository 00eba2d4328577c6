import { useState } from "preact/hooks";
import { LabelBars } from "../label-bars.js";
import { ModelSelect, useModel } from "../model-select.js";
import { IMAGE_CLASSIFICATION, IMAGE_TO_TEXT, OBJECT_DETECTION, type Models } from "../models.js";
import { PanelError, TextResult } from "../panel.js";
import { classifyImage, describeImage, detectObjects, type Detection, type Label } from "../tasks.js";
import { useTask } from "../use-task.js";
import { drawnBoxes } from "./boxes.js";

/** The uploaded image; `src` once the browser has read it. */
export interface Picture {
  file: File;
  src?: string;
}

interface PanelProps {
  models: Models;
  picture: Picture | undefined;
}

export function ClassifyImagePanel({ models, picture }: PanelProps) {
  const [model, setModel] = useModel(models, IMAGE_CLASSIFICATION);
  const task = useTask<{ model: string; labels: Label[] }>();
  return (
    <form
      class="tool"
      aria-labelledby="vision-classify-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (picture) void task.run(async () => ({ model, labels: await classifyImage(model, picture.file) }));
      }}
    >
      <h2 id="vision-classify-title">Labels</h2>
      <ModelSelect id="vision-classify-model" label="Model" task={IMAGE_CLASSIFICATION} value={model} models={models} onChange={setModel} />
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !picture}>
          {task.busy ? "Classifying…" : "Classify"}
        </button>
      </div>
      <PanelError error={task.error} />
      {task.result && <LabelBars labels={task.result.labels} caption={`Most likely classes from ${task.result.model}`} />}
    </form>
  );
}

/** The picture with each detection's box over it, in the picture's own pixels (known once it is decoded). */
function Boxes({ picture, detections }: { picture: Picture; detections: Detection[] }) {
  const [size, setSize] = useState<{ width: number; height: number }>();
  if (!picture.src) return null;
  const drawn = size ? drawnBoxes(detections, size.width, size.height) : [];
  // Labels scale with the picture, so they stay readable on a small and a large one.
  const fontSize = size ? Math.max(10, Math.round(Math.min(size.width, size.height) / 24)) : 0;
  return (
    <figure class="frame">
      <img src={picture.src} alt={`${picture.file.name}, with ${detections.length} boxes`} onLoad={(e) => setSize({ width: e.currentTarget.naturalWidth, height: e.currentTarget.naturalHeight })} />
      {size && (
        <svg viewBox={`0 0 ${size.width} ${size.height}`} preserveAspectRatio="none" aria-hidden="true">
          {drawn.map((b, i) => (
            <g key={i}>
              <rect x={b.x} y={b.y} width={b.width} height={b.height} stroke={b.colour} data-label={detections[i]!.label} />
              <text x={b.x + 2} y={Math.max(b.y - 3, fontSize)} fill={b.colour} font-size={fontSize}>
                {detections[i]!.label}
              </text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

export function DetectPanel({ models, picture }: PanelProps) {
  const [model, setModel] = useModel(models, OBJECT_DETECTION);
  const task = useTask<{ picture: Picture; detections: Detection[] }>();
  return (
    <form
      class="tool"
      aria-labelledby="vision-detect-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (picture) void task.run(async () => ({ picture, detections: await detectObjects(model, picture.file) }));
      }}
    >
      <h2 id="vision-detect-title">Objects</h2>
      <ModelSelect id="vision-detect-model" label="Model" task={OBJECT_DETECTION} value={model} models={models} onChange={setModel} />
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !picture}>
          {task.busy ? "Detecting…" : "Detect objects"}
        </button>
      </div>
      <PanelError error={task.error} />
      {task.result && (
        <div class="result">
          <Boxes picture={task.result.picture} detections={task.result.detections} />
          {task.result.detections.length === 0 ? (
            <p class="hint">No objects found.</p>
          ) : (
            <ol class="detections">
              {task.result.detections.map((d, i) => (
                <li key={i}>
                  <span class="model-text">{d.label}</span> <span class="score">{(d.score * 100).toFixed(1)}%</span>{" "}
                  <span class="hint">
                    ({Math.round(d.box.xmin)}, {Math.round(d.box.ymin)})–({Math.round(d.box.xmax)}, {Math.round(d.box.ymax)})
                  </span>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </form>
  );
}

export function DescribePanel({ models, picture }: PanelProps) {
  const [model, setModel] = useModel(models, IMAGE_TO_TEXT);
  const [prompt, setPrompt] = useState("Describe this picture.");
  const task = useTask<string>();
  return (
    <form
      class="tool"
      aria-labelledby="vision-describe-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (picture) void task.run(() => describeImage(model, picture.file, prompt));
      }}
    >
      <h2 id="vision-describe-title">Caption</h2>
      <ModelSelect id="vision-describe-model" label="Model" task={IMAGE_TO_TEXT} value={model} models={models} onChange={setModel} />
      <div class="field">
        <label for="vision-describe-prompt">Prompt (models that take one)</label>
        <input id="vision-describe-prompt" type="text" value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={task.busy || !model || !picture}>
          {task.busy ? "Describing…" : "Describe"}
        </button>
      </div>
      <PanelError error={task.error} />
      <TextResult label="Description" text={task.result} />
    </form>
  );
}
