/// Why the metrics textfile could not be written: the step, the file it was working on, and errno.
public typealias MetricsTextfileError = AtomicFileError
