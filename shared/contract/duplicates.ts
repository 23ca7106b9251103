/** One set of near-duplicate images: connected by perceptual-hash distance at or under the threshold. */
export interface NearCluster {
  /** Member ids, ascending. */
  imageIds: number[];
  /** Largest distance of a linking pair (bits of 64). */
  maxDistance: number;
  /** The members' groups (patient / lot), null for an image without one; several: the set spans groups. */
  groups: (string | null)[];
}

export interface NearClusterPage {
  /** Biggest clusters first. */
  clusters: NearCluster[];
  total: number;
  /** Images in any cluster. */
  images: number;
  threshold: number;
}

export interface DuplicateHandlers {
  /** Near-duplicate clusters of the included images, biggest first, with their members. */
  'images.nearClusters': (a: { offset?: number; limit?: number }) => Promise<NearClusterPage>;
  /** The near twins of one image (any image of the project within the threshold), closest first. */
  'images.nearTwins': (a: { imageId: number }) => Promise<{ imageId: number; distance: number }[]>;
  /**
   * Put these images in one group, so that a split keeps them together: the group one of them
   * already has (the most common), or a new one named after the first image.
   */
  'images.sameGroup': (a: { imageIds: number[] }) => Promise<{ groupId: string; changed: number }>;
}
