/**
 * Pictures decoded in the worker: the size read from the header first (a huge picture is refused
 * before it is drawn), then the browser's own decoder (createImageBitmap) and an OffscreenCanvas
 * to read its pixels.
 */
import { DatasetError } from '../core/datasets/idxDataset';
import { type DecodePicture, pictureSize } from '../core/datasets/pictureDataset';

export const decodePicture: DecodePicture = async (bytes, name, maxSide) => {
  const size = pictureSize(bytes);
  if (!size) throw new DatasetError(`${name} is not a PNG or JPEG picture (its first bytes say otherwise).`);
  if (size.width < 1 || size.height < 1 || size.width > maxSide || size.height > maxSide) {
    throw new DatasetError(`${name} is ${size.width}×${size.height}; the lab takes pictures of 1 to ${maxSide} pixels a side.`);
  }
  const bitmap = await createImageBitmap(new Blob([bytes.slice().buffer]));
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d');
    if (!context) throw new DatasetError('This browser cannot read pictures in a worker (no 2D OffscreenCanvas).');
    context.drawImage(bitmap, 0, 0);
    return { width: bitmap.width, height: bitmap.height, data: context.getImageData(0, 0, bitmap.width, bitmap.height).data };
  } finally {
    bitmap.close();
  }
};
