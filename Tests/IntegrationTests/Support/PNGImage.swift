import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PNG screenshot decoded to 8-bit RGBA, enough for the report test to count pixels. Reads
/// the non-interlaced 8-bit RGB and RGBA images Chromium writes; inflates with the system's
/// zlib, loaded at run time (`libz.so.1`, which every Debian system has) so that the package
/// needs no link setting for one test.
struct PNGImage {
    let width: Int
    let height: Int
    /// Row-major RGBA.
    let pixels: [UInt8]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw TestFailure("cannot read \(path)") }
        let bytes = [UInt8](data)
        guard bytes.count > 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw TestFailure("\(path) is not a PNG")
        }
        func be32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        var offset = 8
        var width = 0, height = 0, colourType = 0
        var compressed: [UInt8] = []
        while offset + 8 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = offset + 8
            guard body + length + 4 <= bytes.count else { throw TestFailure("\(path): truncated \(type) chunk") }
            switch type {
            case "IHDR":
                width = be32(body)
                height = be32(body + 4)
                colourType = Int(bytes[body + 9])
                guard bytes[body + 8] == 8, colourType == 2 || colourType == 6, bytes[body + 12] == 0 else {
                    throw TestFailure("\(path): only 8-bit non-interlaced RGB or RGBA is read (depth \(bytes[body + 8]), colour type \(colourType))")
                }
            case "IDAT":
                compressed.append(contentsOf: bytes[body..<body + length])
            default:
                break
            }
            offset = body + length + 4
        }
        let channels = colourType == 6 ? 4 : 3
        let stride = width * channels
        let raw = try Self.inflate(compressed, expected: height * (stride + 1))
        var image = [UInt8](repeating: 0, count: height * stride)
        for row in 0..<height {
            let filter = raw[row * (stride + 1)]
            let source = row * (stride + 1) + 1
            let target = row * stride
            for column in 0..<stride {
                let x = Int(raw[source + column])
                let a = column >= channels ? Int(image[target + column - channels]) : 0
                let b = row > 0 ? Int(image[target - stride + column]) : 0
                let c = row > 0 && column >= channels ? Int(image[target - stride + column - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw TestFailure("\(path): unknown filter \(filter) in row \(row)")
                }
                image[target + column] = UInt8((x + predicted) & 0xFF)
            }
        }
        if channels == 3 {
            var rgba = [UInt8](repeating: 255, count: width * height * 4)
            for index in 0..<(width * height) {
                rgba[index * 4] = image[index * 3]
                rgba[index * 4 + 1] = image[index * 3 + 1]
                rgba[index * 4 + 2] = image[index * 3 + 2]
            }
            pixels = rgba
        } else {
            pixels = image
        }
        self.width = width
        self.height = height
    }

    /// Pixels whose colour is clearly chromatic (max - min channel above `threshold`): the
    /// data marks of the report's charts, as opposed to white background, grey axes and text.
    func chromaticPixels(threshold: Int = 40) -> Int {
        var count = 0
        for index in stride(from: 0, to: pixels.count, by: 4) {
            let r = Int(pixels[index]), g = Int(pixels[index + 1]), b = Int(pixels[index + 2])
            if max(r, g, b) - min(r, g, b) > threshold { count += 1 }
        }
        return count
    }

    /// Pixels that are not (near) white.
    func nonWhitePixels() -> Int {
        var count = 0
        for index in stride(from: 0, to: pixels.count, by: 4) where min(pixels[index], pixels[index + 1], pixels[index + 2]) < 235 { count += 1 }
        return count
    }

    private typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt>?, UnsafePointer<UInt8>?, UInt) -> Int32

    private static func inflate(_ compressed: [UInt8], expected: Int) throws -> [UInt8] {
        guard let library = dlopen("libz.so.1", RTLD_NOW), let symbol = dlsym(library, "uncompress") else {
            throw TestFailure("cannot load zlib (libz.so.1) to decode PNG")
        }
        let uncompress = unsafeBitCast(symbol, to: Uncompress.self)
        var output = [UInt8](repeating: 0, count: expected)
        var length = UInt(expected)
        let status = output.withUnsafeMutableBufferPointer { target in
            compressed.withUnsafeBufferPointer { source in
                uncompress(target.baseAddress, &length, source.baseAddress, UInt(source.count))
            }
        }
        guard status == 0, Int(length) == expected else { throw TestFailure("zlib uncompress failed (\(status), \(length) of \(expected) bytes)") }
        return output
    }
}
