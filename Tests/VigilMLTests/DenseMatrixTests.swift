import Testing
@testable import VigilML

@Suite struct DenseMatrixTests {
    @Test func rowsAreStoredRowMajorAndSelectedInOrder() {
        let matrix = DenseMatrix(rows: [[1, 2], [3, 4], [5, 6]])
        #expect(matrix[1, 0] == 3)
        #expect(Array(matrix.row(2)) == [5, 6])
        #expect(matrix.selecting(rows: [2, 0]).values == [5, 6, 1, 2])
    }
}
