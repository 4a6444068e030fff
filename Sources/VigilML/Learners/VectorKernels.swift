/// The inner loops of the linear learners, over raw buffers so that a pass over a large
/// matrix allocates nothing.
///
/// Every sum runs in a fixed order (four interleaved partial sums, combined as
/// `(s0 + s1) + (s2 + s3)`), so results are bit-identical from run to run and between the
/// single-row and whole-matrix predictions.

/// `Σⱼ a[j]·b[j]` over `count` elements.
@inline(__always)
func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var j = 0
    while j + 4 <= count {
        s0 += a[j] * b[j]
        s1 += a[j + 1] * b[j + 1]
        s2 += a[j + 2] * b[j + 2]
        s3 += a[j + 3] * b[j + 3]
        j += 4
    }
    // The tail goes to the lanes in the same order as a full block would.
    if j < count { s0 += a[j] * b[j] }
    if j + 1 < count { s1 += a[j + 1] * b[j + 1] }
    if j + 2 < count { s2 += a[j + 2] * b[j + 2] }
    return (s0 + s1) + (s2 + s3)
}

/// `Σⱼ a[j]·b[j]` for any two sequences of equal length, in the same order as the buffer
/// version (element `j` goes to partial sum `j mod 4`).
func dot(_ a: some Sequence<Double>, _ b: some Sequence<Double>) -> Double {
    var sums = (0.0, 0.0, 0.0, 0.0)
    for (j, (x, y)) in zip(a, b).enumerated() {
        switch j & 3 {
        case 0: sums.0 += x * y
        case 1: sums.1 += x * y
        case 2: sums.2 += x * y
        default: sums.3 += x * y
        }
    }
    return (sums.0 + sums.1) + (sums.2 + sums.3)
}

/// `y[j] += alpha · x[j]` over `count` elements.
@inline(__always)
func addScaled(_ alpha: Double, _ x: UnsafePointer<Double>, to y: UnsafeMutablePointer<Double>, count: Int) {
    for j in 0..<count { y[j] += alpha * x[j] }
}
