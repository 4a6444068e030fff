/// The two-sample Kolmogorov-Smirnov test, two-sided, as `scipy.stats.ks_2samp(method="auto")`.
///
/// The statistic is `D = sup |F_ref(x) - F_cur(x)|` over the empirical CDFs; both samples
/// are walked once in sorted order, so a sorted reference is never copied or re-sorted.
public struct KolmogorovSmirnovResult: Sendable, Equatable, Codable {
    /// The statistic `D` in [0, 1].
    public var statistic: Double
    /// The two-sided p-value.
    public var pValue: Double
    /// Which distribution produced ``pValue``.
    public var method: KolmogorovSmirnovMethod
}

/// How the p-value of a two-sample Kolmogorov-Smirnov test was computed.
public enum KolmogorovSmirnovMethod: String, Sendable, Codable {
    /// The exact null distribution of `D_{n,m}` (Hodges 1958; Viehmann 2021 for `n != m`).
    case exact
    /// The one-sample distribution `kstwo` at `round(nm/(n+m))`, scipy's "asymp".
    case asymptotic
}

public enum KolmogorovSmirnov {
    /// `max(n, m)` at or below which scipy's `method="auto"` computes the exact distribution.
    public static let largestExactSampleSize = 10_000

    /// The two-sided two-sample test on samples already sorted in ascending order (no NaN).
    ///
    /// - Parameters:
    ///   - reference: The reference sample, sorted ascending, at least one value.
    ///   - current: The current sample, sorted ascending, at least one value.
    /// - Returns: `nil` when either sample is empty.
    /// - Complexity: O(n + m) for the statistic; the exact p-value costs O(n) when `n == m`
    ///   and O(D·n·m) otherwise, with `max(n, m) <= 10,000`.
    public static func test<Reference: RandomAccessCollection<Double>, Current: RandomAccessCollection<Double>>(
        sortedReference reference: Reference, sortedCurrent current: Current
    ) -> KolmogorovSmirnovResult? {
        guard let d = statistic(sortedReference: reference, sortedCurrent: current) else { return nil }
        let (p, method) = pValue(statistic: d, referenceCount: reference.count, currentCount: current.count)
        return KolmogorovSmirnovResult(statistic: p.statistic, pValue: p.pValue, method: method)
    }

    /// `D`, as `ks_2samp` computes it: the larger of `max(F_ref - F_cur)` and
    /// `max(F_cur - F_ref)`, each CDF evaluated after all values tied at a point.
    ///
    /// The CDF differences are formed as `i/n - j/m`, the same floating-point expression
    /// scipy evaluates, so `D` agrees to the last bit or two.
    public static func statistic<Reference: RandomAccessCollection<Double>, Current: RandomAccessCollection<Double>>(
        sortedReference reference: Reference, sortedCurrent current: Current
    ) -> Double? {
        guard !reference.isEmpty, !current.isEmpty else { return nil }
        return EmpiricalDistributionWalk.walk(reference, current).ksStatistic
    }

    /// The two-sided p-value of `D` for sample sizes `n` and `m`, following `ks_2samp`'s
    /// `method="auto"`: exact when `max(n, m) <= 10,000`, with `D` snapped to the lattice
    /// `h / lcm(n, m)`; if the exact computation leaves [0, 1] (rounding), it falls back to
    /// the asymptotic path with the snapped `D`, as scipy does.
    ///
    /// - Returns: The statistic as scipy reports it (snapped on the exact path) and the p-value.
    public static func pValue(
        statistic d: Double, referenceCount n: Int, currentCount m: Int
    ) -> ((statistic: Double, pValue: Double), KolmogorovSmirnovMethod) {
        var d = d
        if Swift.max(n, m) <= largestExactSampleSize {
            let g = gcd(n, m)
            let lcm = (n / g) * m
            let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
            d = Double(h) / Double(lcm)
            if h == 0 { return ((d, 1), .exact) }
            let p = n == m
                ? probabilityOutsideSquare(n: n, h: h)
                : probabilityOutsideStrip(n, m, g: g, h: h)
            if p >= 0 && p <= 1 { return ((d, p), .exact) }
        }
        let larger = Double(Swift.max(n, m))
        let smaller = Double(Swift.min(n, m))
        let effective = (larger * smaller / (larger + smaller)).rounded(.toNearestOrEven)
        guard effective >= 1 else { return ((d, .nan), .asymptotic) }
        let p = KolmogorovDistribution.twoSidedSurvival(sampleSize: Int(effective), d)
        return ((d, KolmogorovDistribution.clamp01(p)), .asymptotic)
    }

    /// `P(D_{n,n} >= h/n)` for equal sample sizes: twice the alternating reflection sum
    /// `Σ (-1)^(k-1) C(2n, n-kh) / C(2n, n)`, evaluated in scipy's Horner-like nesting to avoid
    /// cancellation (`_compute_prob_outside_square`). The arithmetic is in the same order as
    /// scipy's so that rounding, and hence the [0, 1] check, matches.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            p = p1 * (1.0 - p)
            k -= 1
        }
        return 2 * p
    }

    /// `P(D_{n,m} >= h/lcm(n, m))` for unequal sizes by Hodges' inside method, recursing on
    /// `1 - p` directly (Viehmann 2021) with a sliding window over one lattice column
    /// (scipy's `_compute_outer_prob_inside_method`).
    ///
    /// - Complexity: O(max(n, m) · window), the window being about `2·D·min(n, m)`.
    static func probabilityOutsideStrip(_ n1: Int, _ n2: Int, g: Int, h: Int) -> Double {
        let m = Swift.max(n1, n2)
        let n = Swift.min(n1, n2)
        let mg = m / g
        let ng = n / g
        var minJ = 0
        var maxJ = Swift.min(ceilDivide(h, mg), n + 1)
        var currentLength = maxJ - minJ
        let lengthA = Swift.min(2 * maxJ + 2, n + 1)
        var a = [Double](repeating: 1, count: lengthA)
        for index in minJ..<maxJ { a[index] = 0 }
        for i in 1...m {
            let lastMinJ = minJ
            let lastLength = currentLength
            minJ = Swift.max(floorDivide(ng * i - h, mg) + 1, 0)
            minJ = Swift.min(minJ, n)
            maxJ = Swift.min(ceilDivide(ng * i + h, mg), n + 1)
            if maxJ <= minJ { return 1 }
            var value = minJ == 0 ? 0.0 : 1.0
            let id = Double(i)
            for jj in 0..<(maxJ - minJ) {
                let j = jj + minJ
                value = (a[jj + minJ - lastMinJ] * id + value * Double(j)) / (id + Double(j))
                a[jj] = value
            }
            currentLength = maxJ - minJ
            if lastLength > currentLength {
                let start = maxJ - minJ
                for index in start..<Swift.min(start + lastLength - currentLength, lengthA) { a[index] = 1 }
            }
        }
        return a[maxJ - minJ - 1]
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func ceilDivide(_ a: Int, _ b: Int) -> Int {
        -floorDivide(-a, b)
    }
}
