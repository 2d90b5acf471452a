/** part → imported part → number of files of the part that import it. */
export declare function importGraph(): Map<string, Map<string, number>>;
