#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distributions of Kolmogorov-Smirnov statistics, for the p-values of the two-sample test.
///
/// - ``limitingSurvival(_:)`` is Kolmogorov's limiting distribution, `scipy.special.kolmogorov`.
/// - ``oneSidedSurvival(sampleSize:_:)`` is the exact one-sided Smirnov distribution `D+_n`,
///   `scipy.special.smirnov(n, x)` (Birnbaum & Tingey 1951).
/// - ``twoSidedSurvival(sampleSize:_:)`` is the exact two-sided one-sample distribution `D_n`,
///   `scipy.stats.kstwo.sf(x, n)`, computed with the algorithm selection of
///   Simard & L'Ecuyer (2011) as scipy's `_ksstats._kolmogn` does: Ruben-Gambino closed forms at
///   the ends, the Durbin matrix (Marsaglia-Tsang-Wang 2003), Pomeranz (1974), Pelz-Good (1976)
///   and twice the Smirnov tail in the upper tail.
public enum KolmogorovDistribution {
    // MARK: Kolmogorov's limiting distribution

    /// `P(K > x)` for Kolmogorov's limiting distribution `K = lim sqrt(n) D_n`, as `scipy.special.kolmogorov`.
    ///
    /// For `x <= 0.82` it uses the Jacobi-theta form `sqrt(2π)/x Σ exp(-(2k-1)²π²/(8x²))` for the CDF;
    /// above, the alternating series `2 Σ (-1)^(k-1) exp(-2k²x²)`, which keeps full relative
    /// precision in the far upper tail.
    public static func limitingSurvival(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x <= 0 { return 1 }
        // Below this the CDF underflows.
        if x <= Double.pi / (-(-708.0 - 38.0) * 8).squareRoot() { return 1 }
        if x <= 0.82 {
            let w = (2 * Double.pi).squareRoot() / x
            let logU8 = -Double.pi * Double.pi / (x * x)
            let u = exp(logU8 / 8)
            let cdf: Double
            if u == 0 {
                cdf = exp(logU8 / 8 + log(w))
            } else {
                let u8 = exp(logU8)
                var p = 1.0
                p = 1 + pow(u8, 3) * p
                p = 1 + u8 * u8 * p
                p = 1 + u8 * p
                cdf = w * u * p
            }
            return clamp01(1 - cdf)
        }
        let v = exp(-2 * x * x)
        let v3 = v * v * v
        var p = 1.0
        p = 1 - v3 * v3 * v * p
        p = 1 - v3 * v * v * p
        p = 1 - v3 * p
        return clamp01(2 * v * p)
    }

    // MARK: Smirnov's one-sided distribution

    /// `P(D+_n >= x)`, the exact one-sided Kolmogorov-Smirnov tail, as `scipy.special.smirnov(n, x)`.
    ///
    /// Sums the Birnbaum-Tingey series
    /// `x Σ_{v=0}^{⌊n(1-x)⌋} C(n,v) (1-x-v/n)^(n-v) (x+v/n)^(v-1)`, whose terms are all positive,
    /// in log space with a running maximum (scipy uses double-double arithmetic instead), so that tails far below 1e-300 keep their relative
    /// precision instead of underflowing term by term. Closed forms cover `x <= 1/n` and
    /// `x >= 1 - 1/n`; above `n = 10^6` it uses scipy's approximation `exp(-(6nx+1)²/(18n))`.
    /// Stops summing, as scipy does, once the remaining terms cannot change the sum.
    ///
    /// - Complexity: O(number of terms summed), at most `n`.
    public static func oneSidedSurvival(sampleSize n: Int, _ x: Double) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let nd = Double(n)
        let (nxFloor, alpha) = exactFloorAndFraction(n, x)
        if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
            // x <= 1/n: only the last term of the upper sum survives.
            let cdf = x * pow(1 + x, nd - 1)
            return clamp01(1 - cdf)
        }
        // cephes MINLOG: the tail underflows double precision.
        if -2 * nd * x * x < -7.08396418532264106224e2 { return 0 }
        if nxFloor >= n - 1 { return clamp01(pow(1 - x, nd)) }
        if n > 1_000_000 {
            let logP = -pow(6 * nd * x + 1, 2) / 18 / nd
            // Keep precision for small tails; otherwise form the CDF first, as scipy does.
            return logP < -M_LN2 ? exp(logP) : 1 - (-expm1(logP))
        }
        // Terms v = 0 ... lastV with v/n + x < 1 strictly.
        var lastV = n - nxFloor - (alpha == 0 ? 0 : 1)
        if alpha == 0 { lastV -= 1 }
        let termCount = lastV + 1
        // log C(n, v), accumulated with Neumaier compensation: it grows to ~n·ln 2 while the
        // terms it enters are O(1), so plain summation would lose ~1e-9 relative for n ~ 10^5.
        var logBinomial = 0.0
        var logBinomialCompensation = 0.0
        var logMax = -Double.infinity
        var scaledSum = 0.0  // Σ exp(logTerm - logMax)
        let logEpsilon = log(Double.ulpOfOne)
        for v in 0...lastV {
            let vd = Double(v)
            let below = (nd - vd) / nd - x  // 1 - x - v/n
            let above = vd / nd + x  // x + v/n
            if below > 0 {
                let logTerm = (logBinomial + logBinomialCompensation) + (nd - vd) * log(below) + (vd - 1) * log(above)
                if logTerm > logMax {
                    scaledSum = scaledSum * exp(logMax - logTerm) + 1
                    logMax = logTerm
                } else {
                    scaledSum += exp(logTerm - logMax)
                }
                let logSum = logMax + log(scaledSum)
                if v != termCount - 1, log(4 * Double(termCount - v)) + logTerm < logEpsilon + logSum {
                    break
                }
            }
            let increment = log((nd - vd) / (vd + 1))
            let sum = logBinomial + increment
            if abs(logBinomial) >= abs(increment) {
                logBinomialCompensation += (logBinomial - sum) + increment
            } else {
                logBinomialCompensation += (increment - sum) + logBinomial
            }
            logBinomial = sum
        }
        guard scaledSum > 0 else { return 0 }
        return clamp01(exp(log(x) + logMax + log(scaledSum)))
    }

    // MARK: The two-sided one-sample distribution

    /// `P(D_n >= x)` for the two-sided one-sample Kolmogorov-Smirnov statistic, as
    /// `scipy.stats.kstwo.sf(x, n)` (scipy's `_kolmogn(n, x, cdf=False)`).
    ///
    /// - Complexity: O(n) in the closed forms and the Smirnov tail; O(k³ log n) with
    ///   `k = ⌈nx⌉` for the Durbin matrix, which is chosen only where `k` is small.
    public static func twoSidedSurvival(sampleSize n: Int, _ x: Double) -> Double {
        guard n > 0, !x.isNaN else { return .nan }
        if x >= 1 { return 0 }
        if x <= 0 { return 1 }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            // Ruben-Gambino: 1/(2n) <= x <= 1/n.
            if t <= 0.5 { return 1 }
            let cdf: Double
            if n <= 140 {
                var product = 1.0
                for i in 1...n { product *= Double(i) * (1.0 / nd) * (2 * t - 1) }
                cdf = product
            } else {
                cdf = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return clamp01(1 - cdf)
        }
        if t >= nd - 1 {
            // Ruben-Gambino: x >= 1 - 1/n.
            return clamp01(2 * pow(1 - x, nd))
        }
        if x >= 0.5 {
            // D+ and D- cannot both exceed 1/2: the two one-sided tails are disjoint.
            return clamp01(2 * oneSidedSurvival(sampleSize: n, x))
        }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 {
                return clamp01(1 - durbinMatrixCDF(n, x))
            }
            if nxSquared <= 4 {
                return clamp01(1 - pomeranzCDF(n, x))
            }
            return clamp01(2 * oneSidedSurvival(sampleSize: n, x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 {
            return clamp01(2 * oneSidedSurvival(sampleSize: n, x))
        }
        let cdf: Double
        if nxSquared >= 18 {
            cdf = 1
        } else if n <= 100_000 && nd * pow(x, 1.5) <= 1.4 {
            cdf = durbinMatrixCDF(n, x)
        } else {
            cdf = pelzGoodCDF(n, x)
        }
        return clamp01(1 - cdf)
    }

    // MARK: Algorithms

    private static let scaleUp = 0x1p128
    private static let scaleDown = 0x1p-128

    /// `log(n! / n^n)` by Stirling's series with the `n log n` removed up front.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3,
            -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4,
            -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        let nd = Double(n)
        let rn = 1 / nd
        let z = rn / nd
        var polynomial = 0.0
        for c in coefficients { polynomial = polynomial * z + c }
        return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + rn * polynomial
    }

    /// `⌊n x⌋` and the fractional part of `n x`, computed from the exact product (via FMA),
    /// rounding a fraction that rounds to 1 up to the next integer, as scipy's `modNX`.
    private static func exactFloorAndFraction(_ n: Int, _ x: Double) -> (Int, Double) {
        let nd = Double(n)
        let hi = nd * x
        let lo = fma(nd, x, -hi)
        var floorValue = hi.rounded(.down)
        var alpha: Double
        if floorValue == hi {
            if lo < 0 {
                floorValue -= 1
                alpha = 1 + lo
            } else {
                alpha = lo
            }
        } else {
            alpha = (hi - floorValue) + lo
        }
        var result = Int(floorValue)
        if alpha >= 1 {
            result += 1
            alpha = 0
        }
        return (result, alpha)
    }

    /// `P(D_n <= d)` by Durbin's matrix algorithm in the form of Marsaglia, Tsang & Wang (2003):
    /// the `(k, k)` entry of `H^n · n!/n^n` with `k = ⌈nd⌉`, rescaling by 2^128 as scipy does.
    static func durbinMatrixCDF(_ n: Int, _ d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1

        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            w[j - 1] = factorial
            factorial /= Double(j)
            v[j - 1] = (1 - pow(h, Double(j))) * factorial
        }
        let tt = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1 + tt) * factorial

        var matrix = SquareMatrix(size: m)
        for i in 1..<m {
            for row in (i - 1)..<m {
                matrix[row, i] = w[row - (i - 1)]
            }
        }
        for row in 0..<m { matrix[row, 0] = v[row] }
        for column in 0..<m { matrix[m - 1, column] = v[m - 1 - column] }

        var power = SquareMatrix.identity(size: m)
        var remaining = n
        var exponent = 0
        var matrixExponent = 0
        while remaining > 0 {
            if remaining % 2 == 1 {
                power = power * matrix
                exponent += matrixExponent
            }
            matrix = matrix * matrix
            matrixExponent *= 2
            if abs(matrix[k - 1, k - 1]) > scaleUp {
                matrix.scale(by: scaleDown)
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[k - 1, k - 1]
        let nDouble = Double(n)
        for i in 1...n {
            p = Double(i) * p / nDouble
            if abs(p) < scaleDown {
                p *= scaleUp
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, Int32(exponent)) }
        return clamp01(p)
    }

    /// The window `[j1, j2]` of non-zero entries in row `i` of Pomeranz's recursion.
    private static func pomeranzWindow(_ i: Int, _ n: Int, _ ll: Int, _ ceilF: Int, _ roundF: Int) -> (Int, Int) {
        var j1: Int
        var j2: Int
        if i == 0 {
            j1 = -ll - ceilF - 1
            j2 = ll + ceilF - 1
        } else {
            let half = (i + 1) / 2
            let odd = (i + 1) % 2
            if odd == 0 {
                if half == n + 1 {
                    j1 = n - ll - ceilF - 1
                    j2 = n + ll + ceilF - 1
                } else {
                    j1 = half - 1 - ll - roundF - 1
                    j2 = half + ll - 1 + ceilF - 1
                }
            } else {
                j1 = half - 1 - ll - 1
                j2 = half + ll + roundF - 1
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    /// `P(D_n <= x)` by Pomeranz's recursion (1974), each row a truncated convolution of
    /// the previous one with Poisson-like weights, rescaled against underflow as scipy does.
    static func pomeranzCDF(_ n: Int, _ x: Double) -> Double {
        let nd = Double(n)
        let t = nd * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1 - f)
        let ceilF = f > 0 ? 1 : 0
        let roundF = f > 0.5 ? 1 : 0
        let powerCount = 2 * (ll + 1)
        var gPower = [Double](repeating: 0, count: powerCount)
        var twoGPower = [Double](repeating: 0, count: powerCount)
        var oneMinusTwoGPower = [Double](repeating: 0, count: powerCount)
        gPower[0] = 1
        twoGPower[0] = 1
        oneMinusTwoGPower[0] = 1
        let gOverN = g / nd
        let twoGOverN = 2 * g / nd
        let oneMinusTwoGOverN = (1 - 2 * g) / nd
        for m in 1..<powerCount {
            gPower[m] = gPower[m - 1] * gOverN / Double(m)
            twoGPower[m] = twoGPower[m - 1] * twoGOverN / Double(m)
            oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * oneMinusTwoGOverN / Double(m)
        }
        var v0 = [Double](repeating: 0, count: powerCount)
        var v1 = [Double](repeating: 0, count: powerCount)
        v1[0] = 1
        var v0Start = 0
        var v1Start = 0
        var exponent = 0
        var (j1, j2) = pomeranzWindow(0, n, ll, ceilF, roundF)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0Start, &v1Start)
            for index in v1.indices { v1[index] = 0 }
            (j1, j2) = pomeranzWindow(i, n, ll, ceilF, roundF)
            let powers: [Double]
            if i == 1 || i == 2 * n + 1 {
                powers = gPower
            } else {
                powers = i % 2 == 1 ? twoGPower : oneMinusTwoGPower
            }
            let length = j2 - k1 + 1
            if length > 0 {
                let convolutionStart = j1 - k1
                let convolutionLength = j2 - j1 + 1
                let base = k1 - v0Start
                // Entries [convolutionStart, convolutionStart + convolutionLength) of the full
                // convolution of v0[base ..< base+length] with powers[0 ..< length].
                var largest = 0.0
                for out in 0..<convolutionLength {
                    let position = convolutionStart + out
                    var sum = 0.0
                    let lower = max(0, position - (length - 1))
                    let upper = min(position, length - 1)
                    if lower <= upper {
                        for a in lower...upper {
                            let source = base + a
                            if source >= 0 && source < v0.count {
                                sum += v0[source] * powers[position - a]
                            }
                        }
                    }
                    v1[out] = sum
                    largest = max(largest, sum)
                }
                if largest > 0 && largest < scaleDown {
                    for index in v1.indices { v1[index] *= scaleUp }
                    exponent -= 128
                }
                v1Start = v0Start + j1 - k1
            }
        }
        var answer = v1[n - v1Start]
        for m in 1...n {
            if abs(answer) > scaleUp {
                answer *= scaleDown
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, Int32(exponent)) }
        return clamp01(answer)
    }

    /// The Pelz-Good (1976) approximation to `P(D_n <= x)`: the Li-Chien/Korolyuk expansion
    /// `K0 + K1/√n + K2/n + K3/n^1.5` transformed by Jacobi theta identities for small `x√n`.
    static func pelzGoodCDF(_ n: Int, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let nd = Double(n)
        let z = nd.squareRoot() * x
        let z2 = z * z
        let z3 = z2 * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let pi2 = Double.pi * Double.pi
        let pi4 = pi2 * pi2
        let pi6 = pi4 * pi2
        let qLog = -pi2 / 8 / z2
        if qLog < -708 { return 0 }
        var q = exp(qLog)

        let k1a = -z2
        let k1b = pi2 / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * pi2 / 4
        let k2c = pi4 * (1 - 2 * z2) / 16
        let k3d = pi6 * (5 - 30 * z2) / 64
        let k3c = pi4 * (-60 * z2 + 212 * z4) / 16
        let k3b = pi2 * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * pow(z, 8)

        var k = [0.0, 0.0, 0.0, 0.0]
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        if maxK >= 1 {
            for kk in stride(from: maxK, through: 1, by: -1) {
                let m = Double(2 * kk - 1)
                let m2 = m * m
                let m4 = m2 * m2
                let m6 = m4 * m2
                let qPower = pow(q, Double(8 * kk))
                let coefficients = [
                    1.0,
                    k1a + k1b * m2,
                    k2a + k2b * m2 + k2c * m4,
                    k3a + k3b * m2 + k3c * m4 + k3d * m6,
                ]
                for i in 0..<4 { k[i] = k[i] * qPower + coefficients[i] }
            }
        }
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
        for i in 0..<4 { k[i] = k[i] * q * sqrt2Pi / divisors[i] }

        q = exp(-pi2 / 2 / z2)
        var k2Extra = 0.0
        var k3Extra = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        if maxK >= 1 {
            for kk in stride(from: maxK, through: 1, by: -1) {
                let kd = Double(kk)
                let k2 = kd * kd
                let qPower = pow(q, k2)
                k2Extra += k2 * qPower
                let kPi = Double.pi * kd
                k3Extra += (sqrt3z + kPi) * (sqrt3z - kPi) * k2 * qPower
            }
        }
        k[2] += k2Extra * pi2 * sqrt2Pi / (-36 * z3)
        k[3] += k3Extra * pi2 * sqrt2Pi / (216 * z6)
        var sum = 0.0
        for i in 0..<4 { sum += k[i] / pow(nd, Double(i) / 2) }
        return sum
    }

    static func clamp01(_ p: Double) -> Double {
        p.isNaN ? p : min(1, max(0, p))
    }
}

/// A dense square matrix in row-major order, just enough for the Durbin matrix power.
struct SquareMatrix {
    let size: Int
    var elements: [Double]

    init(size: Int) {
        self.size = size
        elements = [Double](repeating: 0, count: size * size)
    }

    static func identity(size: Int) -> SquareMatrix {
        var matrix = SquareMatrix(size: size)
        for i in 0..<size { matrix[i, i] = 1 }
        return matrix
    }

    subscript(row: Int, column: Int) -> Double {
        get { elements[row * size + column] }
        set { elements[row * size + column] = newValue }
    }

    mutating func scale(by factor: Double) {
        for i in elements.indices { elements[i] *= factor }
    }

    static func * (lhs: SquareMatrix, rhs: SquareMatrix) -> SquareMatrix {
        let n = lhs.size
        var result = SquareMatrix(size: n)
        lhs.elements.withUnsafeBufferPointer { a in
            rhs.elements.withUnsafeBufferPointer { b in
                result.elements.withUnsafeMutableBufferPointer { c in
                    for i in 0..<n {
                        for p in 0..<n {
                            let aip = a[i * n + p]
                            if aip == 0 { continue }
                            for j in 0..<n {
                                c[i * n + j] += aip * b[p * n + j]
                            }
                        }
                    }
                }
            }
        }
        return result
    }
}
