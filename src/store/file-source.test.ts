import { FileSource } from "./file-source.js";
import { runSourceSuite, SUITE_FILE } from "./source.case.test.js";

runSourceSuite("FileSource", async () => new FileSource(SUITE_FILE, "the suite file"));
