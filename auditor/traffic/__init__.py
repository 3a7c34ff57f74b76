"""The traffic side: captures and live flows read into exchanges, and the rules run over them."""
