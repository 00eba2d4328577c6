import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { release } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { getLlama, getLlamaGpuTypes, Llama, LlamaLogLevel, type LlamaGpuType } from "node-llama-cpp";

/**
 * node-llama-cpp's getLlama() test-loads a prebuilt binary in a second node process before
 * using it, on Linux every time (`getShouldTestBinaryBeforeLoading`), and it has no option to
 * skip that: ≈0.6 s of every runner start, more than the rest of getLlama together. The
 * verdict does not change while the binary, node, the kernel and the GPU driver stay the same,
 * so it is kept in a file: the first runner pays for the test, later ones (and later servers)
 * load the binary it vouched for directly.
 *
 * Loading directly uses node-llama-cpp internals (`Llama._create`, the prebuilt binary lookup),
 * so it is done only on the version this was written against; any other falls back to getLlama.
 */
const VERIFIED_VERSION = "3.21.1";
/** A prebuilt binary that loaded on this machine for a GPU setting, or that setting's failure. */
type Verdict = { key: string } & ({ gpu: LlamaGpuType; bindingPath: string; extBackendsPath: string | undefined } | { failure: string; bindingPath: string | undefined });

/** The parts of node-llama-cpp that getLlama uses to find and start a prebuilt binary. */
interface Internals {
  version: string;
  buildOptions(gpu: LlamaGpuType): Promise<unknown>;
  prebuiltBinaryPath(buildOptions: unknown): Promise<{ binaryPath: string; folderPath: string; folderName: string; extBackendsPath?: string } | null>;
  buildMetadata(folderPath: string, folderName: string): Promise<unknown>;
  vramPadding: (totalBytes: number) => number;
  ramPadding: (totalBytes: number) => number;
}

const require = createRequire(import.meta.url);

async function internals(): Promise<Internals | undefined> {
  const index = require.resolve("node-llama-cpp");
  const root = dirname(dirname(index));
  const { version } = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { version: string };
  if (version !== VERIFIED_VERSION) return undefined;
  const at = (file: string) => import(pathToFileURL(join(root, "dist", file)).href);
  const [getLlamaModule, compile, folderName, platform, platformInfo, config, release] = await Promise.all([
    at("bindings/getLlama.js"),
    at("bindings/utils/compileLLamaCpp.js"),
    at("bindings/utils/getBuildFolderNameForBuildOptions.js"),
    at("bindings/utils/getPlatform.js"),
    at("bindings/utils/getPlatformInfo.js"),
    at("config.js"),
    at("bindings/utils/binariesGithubRelease.js"),
  ]);
  return {
    version,
    // As getLlamaForOptions builds them for a prebuilt binary: no custom cmake options, the bundled llama.cpp release.
    buildOptions: async (gpu) => ({
      customCmakeOptions: new Map(),
      progressLogs: false,
      platform: platform.getPlatform(),
      platformInfo: await platformInfo.getPlatformInfo(),
      arch: process.arch,
      gpu,
      llamaCpp: { repo: config.builtinLlamaCppGitHubRepo, release: release.builtinLlamaCppRelease },
    }),
    prebuiltBinaryPath: async (buildOptions) => compile.getPrebuiltBinaryPath(buildOptions, (await folderName.getBuildFolderNameForBuildOptions(buildOptions)).withoutCustomCmakeOptions),
    buildMetadata: (folderPath, name) => compile.getPrebuiltBinaryBuildMetadata(folderPath, name),
    vramPadding: getLlamaModule.defaultLlamaVramPadding,
    ramPadding: getLlamaModule.defaultLlamaRamPadding,
  };
}

/**
 * Everything the verdict depends on besides the binary's own bytes: the GPU libraries
 * node-llama-cpp detects (a Vulkan loader installed later changes what `auto` picks) and the
 * NVIDIA driver's version.
 */
async function verdictKey(requested: LlamaGpuType | "auto", bindingPath: string | undefined, version: string): Promise<string> {
  const [binary, driver, detected] = await Promise.all([
    bindingPath ? stat(bindingPath) : undefined,
    readFile("/proc/driver/nvidia/version", "utf8").catch(() => ""),
    getLlamaGpuTypes("supported"),
  ]);
  return JSON.stringify([version, requested, detected, process.version, release(), bindingPath, binary?.size, binary?.mtimeMs, driver]);
}

export interface StartedLlama {
  llama: Llama;
  /** The binary test was skipped on a recorded verdict. */
  fromVerdict: boolean;
}

/**
 * getLlama({ gpu: requested }), skipping the binary test when `cacheDir` holds a verdict for the
 * same binary and machine: a binary that loaded is loaded directly, and a GPU setting that
 * failed, or whose backend `unusable` refused (its reason), fails again at once (a runner of `--gpu cuda` on a machine without CUDA would otherwise
 * pay for the failing test every start). A failure of the direct path falls back to getLlama.
 */
export async function startLlama(requested: LlamaGpuType | "auto", cacheDir: string, unusable: (llama: Llama) => Promise<string | undefined> = async () => undefined): Promise<StartedLlama> {
  const file = join(cacheDir, `llama-binary-${requested || "cpu"}.json`);
  const known = await internals().catch(() => undefined);
  if (known) {
    const verdict = await readVerdict(file);
    if (verdict && verdict.key === (await verdictKey(requested, verdict.bindingPath, known.version).catch(() => ""))) {
      if ("failure" in verdict) throw new Error(verdict.failure);
      const llama = await fromVerdict(verdict, known).catch(() => undefined);
      if (llama) return { llama, fromVerdict: true };
    }
  }
  let llama: Llama;
  try {
    // progressLogs off: the backend's one log line says what happened, node-llama-cpp's warnings would repeat it per runner.
    llama = await getLlama({ gpu: requested, logLevel: LlamaLogLevel.error, build: "never", progressLogs: false });
  } catch (error) {
    if (known && requested !== false) await recordFailure(file, requested, error, known).catch(() => undefined);
    throw error;
  }
  const why = await unusable(llama);
  if (why) {
    await llama.dispose();
    if (known) await recordFailure(file, requested, new Error(why), known).catch(() => undefined);
    throw new Error(why);
  }
  if (known && llama.buildType === "prebuilt") await recordVerdict(file, requested, llama.gpu, known).catch(() => undefined);
  return { llama, fromVerdict: false };
}

async function readVerdict(file: string): Promise<Verdict | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as Verdict;
  } catch {
    return undefined;
  }
}

async function recordVerdict(file: string, requested: LlamaGpuType | "auto", gpu: LlamaGpuType, known: Internals): Promise<void> {
  const found = await known.prebuiltBinaryPath(await known.buildOptions(gpu));
  if (!found) return;
  await writeVerdict(file, { key: await verdictKey(requested, found.binaryPath, known.version), gpu, bindingPath: found.binaryPath, extBackendsPath: found.extBackendsPath });
}

async function recordFailure(file: string, requested: LlamaGpuType | "auto", error: unknown, known: Internals): Promise<void> {
  // `auto` has no one binary: its key is the GPU types detected, without a binary's stat.
  const bindingPath = requested === "auto" ? undefined : (await known.prebuiltBinaryPath(await known.buildOptions(requested)))?.binaryPath;
  const failure = (error as Error).message || (error as Error).name;
  await writeVerdict(file, { key: await verdictKey(requested, bindingPath, known.version), failure, bindingPath });
}

async function writeVerdict(file: string, verdict: Verdict): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Runners may start together: each writes its own file and renames it over the verdict whole.
  const temp = `${file}.${process.pid}`;
  await writeFile(temp, JSON.stringify(verdict));
  await rename(temp, file);
}

/** What getLlama does once its test has passed (loadExistingLlamaBinary's prebuilt branch), with its defaults. */
async function fromVerdict(verdict: Extract<Verdict, { gpu: LlamaGpuType }>, known: Internals): Promise<Llama> {
  const found = await known.prebuiltBinaryPath(await known.buildOptions(verdict.gpu));
  if (!found || found.binaryPath !== verdict.bindingPath) throw new Error("The prebuilt binary moved");
  const buildMetadata = await known.buildMetadata(found.folderPath, found.folderName);
  const create = (Llama as unknown as { _create(options: Record<string, unknown>): Promise<Llama> })._create;
  return create.call(Llama, {
    bindings: require(verdict.bindingPath),
    bindingPath: verdict.bindingPath,
    extBackendsPath: verdict.extBackendsPath,
    buildType: "prebuilt",
    buildMetadata,
    logLevel: LlamaLogLevel.error,
    logger: (Llama as unknown as { defaultConsoleLogger: unknown }).defaultConsoleLogger,
    maxThreads: undefined,
    vramPadding: known.vramPadding,
    ramPadding: known.ramPadding,
    skipLlamaInit: false,
    debug: false,
    numa: false,
    tempDir: false,
    experimentalOptions: undefined,
  });
}
