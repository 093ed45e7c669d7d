"""Qt-free analyses of the open data: overview, pivots, chart series, conversations,
pricing coverage."""
