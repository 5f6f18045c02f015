"""A small pandas look-alike: what a model gets where MLflow hands it a
`pandas.DataFrame` (a table: column signatures, `dataframe_split`/`_records`
bodies, records of composite columns).

`DataFrame` keeps columns in order, each a `Series` (a `list` with a `name`).
It has what row-wise model code uses: `columns`, `shape`, `len()`, `empty`,
`df["col"]`, `df[["a", "b"]]`, `iloc[i]` (a row `Series` indexed by column
name), `iloc[a:b]`, `head(n)`, `iterrows()`, `itertuples()`, `items()`,
`to_dict(orient=...)` (`dict`, `list`, `records`, `index`) and `copy()`.
Nothing vectorised: arithmetic on columns is pandas', not here.
"""

import collections


class Series(list):
    """A column (values with a `name`) or a row (values indexed by column name)."""

    def __init__(self, values=(), name=None, index=None):
        super().__init__(values)
        self.name = name
        self.index = list(index) if index is not None else list(range(len(self)))

    def __getitem__(self, key):
        if isinstance(key, slice):
            return list.__getitem__(self, key)
        try:
            position = self.index.index(key)
        except ValueError:
            if isinstance(key, int):
                return list.__getitem__(self, key)
            raise KeyError(key) from None
        return list.__getitem__(self, position)

    @property
    def iloc(self):
        return _Positional(lambda i: list.__getitem__(self, i))

    @property
    def values(self):
        return list(self)

    def get(self, key, default=None):
        try:
            return self[key]
        except (KeyError, IndexError, ValueError):
            return default

    def items(self):
        return zip(self.index, self)

    def keys(self):
        return list(self.index)

    def tolist(self):
        return list(self)

    to_list = tolist

    def to_dict(self):
        return dict(zip(self.index, self))

    def __getattr__(self, name):
        index = self.__dict__.get("index", [])
        if name in index:
            return list.__getitem__(self, index.index(name))
        raise AttributeError(name)


class _Positional:
    """`.iloc`: position-based access."""

    def __init__(self, at):
        self._at = at

    def __getitem__(self, key):
        return self._at(key)


class DataFrame:
    """Named columns of equal length."""

    def __init__(self, data=None, columns=None):
        data = data or {}
        if isinstance(data, list):
            frame = DataFrame.from_records(data, columns)
            self._columns = frame._columns
            return
        names = list(columns) if columns is not None else list(data)
        self._columns = collections.OrderedDict((n, Series(data.get(n, []), name=n)) for n in names)

    @classmethod
    def from_records(cls, records, columns=None):
        """`pd.DataFrame(records)`: columns in first-seen key order, missing cells `None`."""
        names = list(columns) if columns is not None else []
        if columns is None:
            for row in records:
                for key in row:
                    if key not in names:
                        names.append(key)
        return cls({n: [row.get(n) for row in records] for n in names}, names)

    @property
    def columns(self):
        return list(self._columns)

    @property
    def index(self):
        return list(range(len(self)))

    @property
    def shape(self):
        return (len(self), len(self._columns))

    @property
    def empty(self):
        return len(self) == 0 or not self._columns

    def __len__(self):
        return len(next(iter(self._columns.values()), []))

    def __iter__(self):
        return iter(self._columns)

    def __contains__(self, name):
        return name in self._columns

    def __getitem__(self, key):
        if isinstance(key, list):
            return DataFrame({k: self[k] for k in key}, key)
        if key not in self._columns:
            raise KeyError(key)
        return self._columns[key]

    def __setitem__(self, key, values):
        values = list(values) if isinstance(values, (list, tuple)) else [values] * len(self)
        self._columns[key] = Series(values, name=key)

    def _row(self, i):
        return Series([c[i] for c in self._columns.values()], name=i, index=self.columns)

    @property
    def iloc(self):
        def at(key):
            if isinstance(key, slice):
                return DataFrame({n: list.__getitem__(c, key) for n, c in self._columns.items()}, self.columns)
            return self._row(range(len(self))[key])

        return _Positional(at)

    def head(self, n=5):
        return self.iloc[:n]

    def copy(self):
        return DataFrame({n: list(c) for n, c in self._columns.items()}, self.columns)

    def items(self):
        return iter(self._columns.items())

    def iterrows(self):
        for i in range(len(self)):
            yield i, self._row(i)

    def itertuples(self, index=True, name="Pandas"):
        fields = (["Index"] if index else []) + [c if c.isidentifier() else f"_{k}" for k, c in enumerate(self._columns)]
        row_type = collections.namedtuple(name, fields, rename=True) if name else tuple
        for i in range(len(self)):
            cells = ([i] if index else []) + [c[i] for c in self._columns.values()]
            yield row_type(*cells) if name else tuple(cells)

    def to_dict(self, orient="dict"):
        if orient == "records":
            names = self.columns
            return [dict(zip(names, row)) for row in zip(*self._columns.values())] if names else []
        if orient == "list":
            return {n: list(c) for n, c in self._columns.items()}
        if orient == "dict":
            return {n: dict(enumerate(c)) for n, c in self._columns.items()}
        if orient == "index":
            return {i: dict(zip(self.columns, row)) for i, row in enumerate(zip(*self._columns.values()))}
        raise ValueError(f"orient '{orient}' not understood")

    def __repr__(self):
        return f"DataFrame({self.to_dict('list')!r})"
