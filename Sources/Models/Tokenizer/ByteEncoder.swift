/// GPT-2's reversible map between bytes and printable characters (`bytes_to_unicode` in CLIP's
/// `simple_tokenizer.py`). The BPE vocabulary spells every token with these characters, so a
/// token of any UTF-8 text is a string of them and the vocabulary needs no whitespace or control
/// characters.
///
/// Printable Latin-1 bytes (`!`...`~`, `¡`...`¬`, `®`...`ÿ`) stand for themselves; the other 68
/// bytes, in increasing order, take the characters U+0100, U+0101, ... .
enum ByteEncoder {
    /// The 256 bytes in vocabulary order: the printable ones first, then the rest. The vocabulary
    /// gives byte `orderedBytes[i]` the id `i`, and the same byte ending a word the id `256 + i`.
    static let orderedBytes: [UInt8] = {
        let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        let others = (0...0xFF).filter { !printable.contains($0) }
        return (printable + others).map { UInt8($0) }
    }()

    /// `characterForByte[b]` spells byte `b` in the vocabulary file.
    static let characterForByte: [Unicode.Scalar] = {
        var characters = [Unicode.Scalar](repeating: "\0", count: 256)
        var nextSubstitute: UInt32 = 0x100
        for byte in orderedBytes {
            if isPrintable(byte) {
                characters[Int(byte)] = Unicode.Scalar(byte)
            } else {
                characters[Int(byte)] = Unicode.Scalar(nextSubstitute)!
                nextSubstitute += 1
            }
        }
        return characters
    }()

    /// The byte a vocabulary character stands for; `nil` for characters outside the table.
    static func byte(for character: Unicode.Scalar) -> UInt8? {
        byteForCharacter[character.value]
    }

    /// The vocabulary spelling of `bytes`.
    static func spelling<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(characterForByte[Int(byte)]) }
        return String(text)
    }

    private static let byteForCharacter: [UInt32: UInt8] = {
        var table = [UInt32: UInt8]()
        for byte in 0...0xFF { table[characterForByte[byte].value] = UInt8(byte) }
        return table
    }()

    private static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }
}
