import type { ImageCounts, ImageDetail, ImageFilter, ImageSort, ImageSummary } from '../domain/images.ts';

export interface ListImagesArgs {
  filter?: ImageFilter;
  sort?: ImageSort;
  /** Newest/largest first. */
  descending?: boolean;
  offset?: number;
  /** At most 1,000 per page. */
  limit?: number;
}

export interface ImageHandlers {
  /** One page of images matching the filter, with the total count. */
  'images.list': (a: ListImagesArgs) => Promise<{ total: number; items: ImageSummary[] }>;
  /** Counts per class, unlabeled, excluded and per split for the filter. */
  'images.counts': (a: { filter?: ImageFilter }) => Promise<ImageCounts>;
  /** All metadata of one image with its labels and split. */
  'images.get': (a: { id: number }) => Promise<ImageDetail>;
  /** Leave images out of training and splits, with a reason shown in the UI. */
  'images.exclude': (a: { imageIds: number[]; reason: string }) => Promise<{ changed: number }>;
  /** Take excluded images back in. */
  'images.include': (a: { imageIds: number[] }) => Promise<{ changed: number }>;
}
