// symbols.go: the oracle's own naming of native frames (symbolization), read
// with Go's debug/elf: every ELF file under a directory, by its GNU build ID
// note, its defined function symbols from .symtab, else .dynsym; a frame's
// address looked up as it is (the eBPF profiler sends ELF virtual
// addresses). Independent of the core's reader (src/symbols/elf_symbols.c) and its
// search order: here every file of the tree is a candidate, and the one with
// the mapping's build ID and function symbols names the frame.
package pdataoracle

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"io/fs"
	"path/filepath"
	"sort"

	"go.opentelemetry.io/collector/pdata/pprofile"
)

type symbolFile struct {
	functions []elf.Symbol // sorted by Value
}

// symbolizer: function symbols by build ID (lowercase hex).
type symbolizer map[string]*symbolFile

// NewSymbolizer reads every ELF file under dir; files that are not ELF are
// skipped.
func NewSymbolizer(dir string) (symbolizer, error) {
	s := symbolizer{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := elf.Open(path)
		if err != nil {
			return nil
		}
		defer f.Close()
		id := gnuBuildID(f)
		functions := functionSymbols(f)
		if id != "" && len(functions) > 0 {
			s[id] = &symbolFile{functions: functions}
		}
		return nil
	})
	return s, err
}

// gnuBuildID: the NT_GNU_BUILD_ID note's descriptor in hex, or "".
func gnuBuildID(f *elf.File) string {
	for _, section := range f.Sections {
		if section.Type != elf.SHT_NOTE {
			continue
		}
		data, err := section.Data()
		if err != nil {
			continue
		}
		for len(data) >= 12 {
			nameSize := int(f.ByteOrder.Uint32(data[0:4]))
			descSize := int(f.ByteOrder.Uint32(data[4:8]))
			noteType := f.ByteOrder.Uint32(data[8:12])
			nameEnd := 12 + (nameSize+3)&^3
			descEnd := nameEnd + (descSize+3)&^3
			if descEnd > len(data) || nameEnd+descSize > len(data) {
				break
			}
			if noteType == 3 && bytes.Equal(bytes.TrimRight(data[12:12+nameSize], "\x00"), []byte("GNU")) {
				return hex.EncodeToString(data[nameEnd : nameEnd+descSize])
			}
			data = data[descEnd:]
		}
	}
	return ""
}

// functionSymbols: the defined, named function symbols of .symtab, else of
// .dynsym, sorted by address.
func functionSymbols(f *elf.File) []elf.Symbol {
	pick := func(symbols []elf.Symbol, err error) []elf.Symbol {
		var out []elf.Symbol
		for _, s := range symbols {
			kind := elf.ST_TYPE(s.Info)
			if (kind == elf.STT_FUNC || kind == elf.STT_GNU_IFUNC) && s.Section != elf.SHN_UNDEF && s.Name != "" {
				out = append(out, s)
			}
		}
		return out
	}
	functions := pick(f.Symbols())
	if len(functions) == 0 {
		functions = pick(f.DynamicSymbols())
	}
	sort.SliceStable(functions, func(i, j int) bool { return functions[i].Value < functions[j].Value })
	return functions
}

// name: the function holding address in the file of build ID id.
func (s symbolizer) name(id string, address uint64) (string, bool) {
	file := s[id]
	if file == nil {
		return "", false
	}
	for _, function := range file.functions {
		if address >= function.Value && address < function.Value+function.Size {
			return function.Name, true
		}
	}
	return "", false
}

// nativeName: a location without lines named from its mapping's file when
// the symbolizer has it, else by its mapping (mappingName).
func (c *converter) nativeName(loc pprofile.Location) string {
	if c.Symbols != nil {
		mapping := c.Dict.MappingTable().At(int(loc.MappingIndex()))
		if id, ok := c.stringAttribute(mapping.AttributeIndices(), "process.executable.build_id.gnu"); ok {
			if name, ok := c.Symbols.name(id, loc.Address()); ok {
				return name
			}
		}
	}
	return c.mappingName(loc)
}
