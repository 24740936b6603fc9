// The public library: one import gives the model file (`Model`), inference (`Inference`: `Predictor`,
// `Gallery`, ONNX export), explanations (`Explain`: Grad-CAM) and the runs the command-line tool drives
// (training, evaluation, data-set building). The tool uses nothing else (see ARCHITECTURE.md).
@_exported import Explain
@_exported import Inference
@_exported import Model
