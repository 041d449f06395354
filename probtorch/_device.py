"""probtorch runs on the CPU only; `device` exists so torch code that names devices keeps working."""


class device:
    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in str(type):
            type, index = str(type).split(":")
            index = int(index)
        if type != "cpu":
            raise RuntimeError(f"probtorch supports only the CPU device, got '{type}'")
        self.type = type
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __eq__(self, other):
        return isinstance(other, (device, str)) and str(other).split(":")[0] == self.type

    def __hash__(self):
        return hash(self.type)

    def __str__(self):
        return self.type


cpu = device("cpu")
