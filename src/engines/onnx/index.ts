export { chooseExecutionProvider, loadOnProvider, onnxCompute, thisMachine, type OnnxChoice, type OnnxMachine } from "./execution-provider.js";
