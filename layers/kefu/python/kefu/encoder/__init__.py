"""The bundled Chinese sentence encoder (BAAI bge-small-zh-v1.5, int8 ONNX), the same locally and in AWS."""
