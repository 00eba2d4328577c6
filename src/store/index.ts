export { ModelStore, type StoreOptions } from "./store.js";
export { diskSizeBytes, sha256File } from "./tree.js";
export { StoreAdmin } from "./admin.js";
export { Pull } from "./pull.js";
export { customEntry, loadCustomModels, type CustomModelSpec } from "./custom.js";
