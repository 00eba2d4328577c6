export { ModelStore, sha256File, type StoreOptions } from "./store.js";
export { StoreAdmin } from "./admin.js";
export { Pull } from "./pull.js";
export { customEntry, loadCustomModels, type CustomModelSpec } from "./custom.js";
