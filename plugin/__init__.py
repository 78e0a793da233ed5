"""QGIS side of RareSight: UI and adapters only (no science, never torch/onnxruntime/open_clip)."""
