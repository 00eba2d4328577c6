import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "bench/out/", "test-artifacts/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    // Worker sources run in workerd, where these web globals exist.
    files: ["workers/**/*.js", "examples/**/*.js", "test/workers/fixture/**/*.js", "test/workers/aliases/**/*.js"],
    languageOptions: { globals: Object.fromEntries(["fetch", "Request", "Response", "Headers", "URL", "btoa"].map((name) => [name, "readonly"])) },
  },
);
