// VigilStore
