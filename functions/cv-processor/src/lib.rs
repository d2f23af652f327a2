//! Runs the ONNX detector and embedder on one image and emits its feature document.
