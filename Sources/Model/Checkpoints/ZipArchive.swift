/// The table of contents of a zip archive, read from its central directory: just enough for `torch.save`'s
/// archives, whose entries are stored uncompressed. Sizes come from the central directory, because
/// PyTorch's writer sets the "data descriptor" flag and leaves the local headers' sizes at zero. Archives
/// that need ZIP64 (over 4 GiB or 65,535 entries), span several disks or are encrypted are refused; PyTorch
/// adds ZIP64 end records to every archive, but they only matter when the classic ones are saturated.
struct ZipArchive {
    struct Entry {
        var name: String
        /// 0 stored, 8 deflated, …
        var method: UInt16
        /// Byte range of the entry's (possibly compressed) data in the file.
        var data: Range<Int>
        var uncompressedSize: Int
    }

    let file: String
    /// Entries in central-directory order.
    let entries: [Entry]
    private let index: [String: Int]

    /// Whether `bytes` begins like a zip archive (a local file header).
    static func looksLikeZip(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && readUInt32(bytes, 0) == 0x0403_4B50
    }

    init(file: String, bytes: UnsafeRawBufferPointer) throws {
        self.file = file
        func damaged(_ what: String) -> CheckpointError {
            .malformedArchive(file: file, reason: "\(what); the zip archive is damaged, download or save it again")
        }
        // The end-of-central-directory record: 22 bytes plus a comment of up to 65,535 bytes at the very end.
        let n = bytes.count
        guard n >= 22 else { throw damaged("\(n) bytes is too short for a zip archive") }
        var eocd = -1
        var at = n - 22
        while at >= max(0, n - 22 - 65_535) {
            if Self.readUInt32(bytes, at) == 0x0605_4B50 && at + 22 + Int(Self.readUInt16(bytes, at + 20)) == n {
                eocd = at
                break
            }
            at -= 1
        }
        guard eocd >= 0 else { throw damaged("no end-of-central-directory record (is the file truncated?)") }
        let disk = Self.readUInt16(bytes, eocd + 4)
        let cdDisk = Self.readUInt16(bytes, eocd + 6)
        let count = Int(Self.readUInt16(bytes, eocd + 10))
        let cdSize = Int(Self.readUInt32(bytes, eocd + 12))
        let cdOffset = Int(Self.readUInt32(bytes, eocd + 16))
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            throw CheckpointError.malformedArchive(
                file: file,
                reason:
                    "ZIP64 archives (over 4 GiB or 65,535 entries) are not supported; convert the checkpoint to safetensors"
            )
        }
        guard disk == 0, cdDisk == 0 else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "multi-disk zip archives are not supported; join the parts into one file")
        }
        guard cdOffset <= eocd, cdSize <= eocd - cdOffset else {
            throw damaged("the central directory (\(cdSize) bytes at \(cdOffset)) lies outside the file")
        }
        var entries: [Entry] = []
        var index: [String: Int] = [:]
        var p = cdOffset
        let cdEnd = cdOffset + cdSize
        for i in 0..<count {
            guard cdEnd - p >= 46, Self.readUInt32(bytes, p) == 0x0201_4B50 else {
                throw damaged("central directory entry \(i) at byte \(p) is not a valid record")
            }
            let flags = Self.readUInt16(bytes, p + 8)
            let method = Self.readUInt16(bytes, p + 10)
            let compressed = Int(Self.readUInt32(bytes, p + 20))
            let size = Int(Self.readUInt32(bytes, p + 24))
            let nameLength = Int(Self.readUInt16(bytes, p + 28))
            let extraLength = Int(Self.readUInt16(bytes, p + 30))
            let commentLength = Int(Self.readUInt16(bytes, p + 32))
            let local = Int(Self.readUInt32(bytes, p + 42))
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard recordLength <= cdEnd - p else {
                throw damaged("central directory entry \(i) runs past the end of the directory")
            }
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
            guard flags & 1 == 0 else {
                throw CheckpointError.malformedArchive(
                    file: file, reason: "entry '\(name)' is encrypted; decrypt the archive first")
            }
            guard compressed != 0xFFFF_FFFF, size != 0xFFFF_FFFF, local != 0xFFFF_FFFF else {
                throw CheckpointError.malformedArchive(
                    file: file,
                    reason:
                        "entry '\(name)' needs ZIP64 (over 4 GiB), which is not supported; convert it to safetensors")
            }
            // The local header repeats the name and has its own extra field (PyTorch pads it so that data is
            // 64-byte aligned); the data follows it.
            guard local <= cdOffset, cdOffset - local >= 30, Self.readUInt32(bytes, local) == 0x0403_4B50 else {
                throw damaged("entry '\(name)': no local header at byte \(local)")
            }
            let dataStart =
                local + 30 + Int(Self.readUInt16(bytes, local + 26)) + Int(Self.readUInt16(bytes, local + 28))
            guard dataStart <= cdOffset, compressed <= cdOffset - dataStart else {
                throw damaged("entry '\(name)': its \(compressed) bytes at \(dataStart) run into the central directory")
            }
            index[name] = entries.count
            entries.append(
                Entry(name: name, method: method, data: dataStart..<(dataStart + compressed), uncompressedSize: size))
            p += recordLength
        }
        self.entries = entries
        self.index = index
    }

    subscript(name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The byte range of an uncompressed entry's data, or an error saying what is missing or compressed.
    func storedData(_ name: String) throws -> Range<Int> {
        guard let e = self[name] else {
            throw CheckpointError.malformedArchive(
                file: file, reason: "entry '\(name)' is missing; the archive is incomplete, save it again")
        }
        guard e.method == 0, e.data.count == e.uncompressedSize else {
            throw CheckpointError.malformedArchive(
                file: file,
                reason:
                    "entry '\(name)' is compressed (method \(e.method)); torch.save stores entries uncompressed — re-save it with torch.save or unzip and re-zip with `zip -0`"
            )
        }
        return e.data
    }

    static func readUInt16(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt16 {
        UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func readUInt32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(readUInt16(b, at)) | UInt32(readUInt16(b, at + 2)) << 16
    }
}
