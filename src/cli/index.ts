import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`outpost: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
