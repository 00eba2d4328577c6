import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { localModels, searchModels, type LocalModel } from "./api.js";
import { AudioPage } from "./audio/audio-page.js";
import { CatalogPage } from "./catalog/catalog-page.js";
import { fromSearchItem, type CatalogModel } from "./catalog/filter.js";
import { ComparePage } from "./compare/compare-page.js";
import { EmbeddingsPage } from "./embeddings/embeddings-page.js";
import { GatewaysPage } from "./gateways/gateways-page.js";
import { ImagesPage } from "./images/images-page.js";
import { LivePage } from "./live/live-page.js";
import type { Models } from "./models.js";
import { usePulls } from "./pulls.js";
import { SignInGate } from "./sign-in.js";
import { TextToolsPage } from "./text-tools/text-tools-page.js";
import { VisionPage } from "./vision/vision-page.js";
import { UsagePage } from "./usage/usage-page.js";
import "./styles.css";

const PAGES = [
  { id: "compare", title: "Compare" },
  { id: "catalog", title: "Catalog" },
  { id: "embeddings", title: "Embeddings" },
  { id: "images", title: "Images" },
  { id: "audio", title: "Audio" },
  { id: "vision", title: "Vision" },
  { id: "text-tools", title: "Text tools" },
  { id: "live", title: "Live" },
  { id: "usage", title: "Usage" },
  { id: "gateways", title: "Gateways" },
] as const;
type PageId = (typeof PAGES)[number]["id"];

function pageFromHash(): PageId {
  const id = location.hash.slice(1);
  return PAGES.find((p) => p.id === id)?.id ?? "compare";
}

function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [catalog, setCatalog] = useState<CatalogModel[]>([]);
  const [local, setLocal] = useState<ReadonlyMap<string, LocalModel>>();
  const [error, setError] = useState<string>();

  const refreshLocal = useCallback(async () => {
    const list = await localModels();
    setLocal(list && new Map(list.map((m) => [m.model, m])));
  }, []);

  const { pulls, startPull } = usePulls(refreshLocal);

  useEffect(() => {
    const onHash = () => setPage(pageFromHash());
    addEventListener("hashchange", onHash);
    searchModels()
      .then((items) => setCatalog(items.map(fromSearchItem)))
      .catch((e: Error) => setError(`Could not load the model catalog: ${e.message}`));
    refreshLocal().catch(() => undefined);
    return () => removeEventListener("hashchange", onHash);
  }, [refreshLocal]);

  useEffect(() => {
    document.title = `${PAGES.find((p) => p.id === page)?.title} · Outpost`;
  }, [page]);

  const models = useMemo<Models>(() => ({ catalog, local, refreshLocal, pulls, startPull }), [catalog, local, refreshLocal, pulls, startPull]);

  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#compare">
          <img src="/assets/icon.svg" alt="" width="24" height="24" />
          Outpost
        </a>
        <nav aria-label="Dashboard">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={`#${p.id}`} aria-current={page === p.id ? "page" : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="content" tabIndex={-1}>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        {/* Pages stay mounted while hidden, so a comparison keeps streaming on another tab. */}
        <ComparePage hidden={page !== "compare"} models={models} />
        <CatalogPage hidden={page !== "catalog"} models={models} />
        <EmbeddingsPage hidden={page !== "embeddings"} models={models} />
        <ImagesPage hidden={page !== "images"} models={models} />
        <AudioPage hidden={page !== "audio"} models={models} />
        <VisionPage hidden={page !== "vision"} models={models} />
        <TextToolsPage hidden={page !== "text-tools"} models={models} />
        <LivePage hidden={page !== "live"} />
        <UsagePage hidden={page !== "usage"} />
        <GatewaysPage hidden={page !== "gateways"} />
      </main>
    </>
  );
}

render(
  <SignInGate>
    <App />
  </SignInGate>,
  document.getElementById("app")!,
);
