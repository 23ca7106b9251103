import type { CountsDelta, CountsMoved } from '../domain/counts.ts';
import type { ImageCounts, ImageDetail, ImageFilter, ImageSort, ImageSummary, PixelLevels } from '../domain/images.ts';
import type { CountedWriteArgs } from './labels.ts';

export interface ListImagesArgs {
  filter?: ImageFilter;
  sort?: ImageSort;
  /** Newest/largest first. */
  descending?: boolean;
  offset?: number;
  /** At most 1,000 per page. */
  limit?: number;
}

/** The list `images.list` pages through (filter, sort, order), and the image to find in it. */
export type LocateImageArgs = Omit<ListImagesArgs, 'offset' | 'limit'> & { id: number };

export interface ImageHandlers {
  /** One page of images matching the filter, with the total count. */
  'images.list': (a: ListImagesArgs) => Promise<{ total: number; items: ImageSummary[] }>;
  /** Counts for the filter's sidebar, faceted: each menu (class, split, excluded) counts under every filter but its own (ImageCounts). */
  'images.counts': (a: { filter?: ImageFilter }) => Promise<ImageCounts>;
  /** Where one image stands (0-based) in the list that the filter and sort give; null when the filter leaves it out or there is no such image. */
  'images.locate': (a: LocateImageArgs) => Promise<{ position: number | null }>;
  /** All metadata of one image with its labels and split. */
  'images.get': (a: { id: number }) => Promise<ImageDetail>;
  /** Minimum, maximum and percentiles of one image's stored values, for the viewer's window presets. */
  'images.levels': (a: { id: number }) => Promise<PixelLevels>;
  /** Leave images out of training and splits, with a reason shown in the UI; answers how the counts moved. */
  'images.exclude': (a: { imageIds: number[]; reason: string } & CountedWriteArgs) => Promise<{ changed: number } & CountsMoved>;
  /** Take excluded images back in; answers how the counts moved. */
  'images.include': (a: { imageIds: number[] } & CountedWriteArgs) => Promise<{ changed: number } & CountsMoved>;
}

export interface ImageEvents {
  /** Images were excluded or taken back in; `counts` is the whole-project delta. */
  'images.excluded': { imageIds: number[]; excluded: boolean; counts: CountsDelta; clientId?: string };
}
