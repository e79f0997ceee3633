package io.dlog.log;

import java.nio.file.Path;

/**
 * A sealed segment of a partition log as seen at one moment: what a derived copy of the segment (analytics'
 * columnar copy) is keyed on. A sealed segment's bytes never change in place: the log cleaner replaces it
 * with a new file, retention and DeleteRecords delete it, truncation deletes it or makes it the active
 * segment again; so base offset, next offset, size and the file's identity (inode, modification time) tell
 * whether a copy made earlier still describes it. Immutable.
 *
 * @param baseOffset  the offset of its first batch (its file name)
 * @param nextOffset  the base offset of the segment after it: every offset of this one lies below
 * @param sizeInBytes the bytes of its log file
 * @param file        its log file (may be gone by the time it is read: deleted or renamed for deletion)
 */
public record SealedSegment(long baseOffset, long nextOffset, int sizeInBytes, Path file) {
}
