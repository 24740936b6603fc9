"""The anchor: a FastAPI + ONNX Runtime server as a user would write it today, one image per inference."""
import io, os
import numpy as np, onnxruntime as ort
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

CLASSES = ["document", "not_a_document", "screen"]
MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)
opts = ort.SessionOptions()
opts.intra_op_num_threads = int(os.environ.get("ORT_THREADS", "1"))
opts.inter_op_num_threads = 1
opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
session = ort.InferenceSession(os.environ.get("ANCHOR_ONNX", ".build/anchor/default.onnx"), opts, providers=["CPUExecutionProvider"])
app = FastAPI()

@app.get("/healthz")
def healthz():
    return {"status": "ok"}

@app.post("/v1/predict")
async def predict(request: Request):
    if request.headers.get("content-type", "").split(";")[0].strip() not in ("image/jpeg", "image/png"):
        return JSONResponse({"error": "body must be image/jpeg or image/png"}, status_code=415)
    try:
        image = Image.open(io.BytesIO(await request.body())).convert("RGB").resize((128, 128), Image.Resampling.BILINEAR)
    except Exception as error:  # Pillow raises several types for bad bytes; all mean the client sent a bad image
        return JSONResponse({"error": f"cannot decode image: {error}"}, status_code=400)
    x = (np.asarray(image, np.float32).transpose(2, 0, 1) / 255.0 - MEAN) / STD
    # The exported graph already ends in a softmax, so its "probabilities" output is used as is.
    probabilities = session.run(["probabilities"], {"image": x[None]})[0][0]
    return {"class": CLASSES[int(probabilities.argmax())], "probabilities": dict(zip(CLASSES, probabilities.tolist()))}
