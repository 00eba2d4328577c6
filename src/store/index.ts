export { ModelStore, sha256File, type StoreOptions, type StoredModel } from "./store.js";
export { StoreAdmin } from "./admin.js";
export { Pull } from "./pull.js";
export { customEntry, loadCustomModels, CUSTOM_TASKS, type CustomModelSpec } from "./custom.js";
export { checkModelName } from "./names.js";
