"""Writes N distinct JPEGs made from the fixture photos (seeded crops, flips, scales, brightness) into
BUCKET_ROOT/bench/photos/, as the bucket a backfill reads. Distinct bytes, so distinct image ids."""
import random
import sys
from pathlib import Path

from PIL import Image, ImageEnhance, ImageOps

photos_dir, out_dir, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
photos = sorted(p for p in photos_dir.iterdir() if p.suffix in (".jpg", ".png"))
out_dir.mkdir(parents=True, exist_ok=True)
rng = random.Random(20261130)
for n in range(count):
    src = photos[n % len(photos)]
    img = ImageOps.exif_transpose(Image.open(src)).convert("RGB")
    w, h = img.size
    keep = rng.uniform(0.7, 1.0)
    cw, ch = int(w * keep), int(h * keep)
    x, y = rng.randint(0, w - cw), rng.randint(0, h - ch)
    img = img.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.5:
        img = ImageOps.mirror(img)
    scale = rng.uniform(0.6, 1.0) * min(1.0, 800 / max(cw, ch))
    img = img.resize((max(32, int(cw * scale)), max(32, int(ch * scale))), Image.BILINEAR)
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.85, 1.15))
    img.save(out_dir / f"{n:04d}-{src.stem}.jpg", quality=90)
print(f"{count} images in {out_dir}")
