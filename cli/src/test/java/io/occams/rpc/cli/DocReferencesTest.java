package io.occams.rpc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dead-reference check, run by {@code ./occams test} (CI): every reference the repository's sources
 * and Markdown make to its documents resolves within a clone. The spec ({@code docs/occams-rpc-0.2.md})
 * and the design ({@code docs/DESIGN.md}) live in the repository, so:
 * <ul>
 * <li>every {@code §N} and {@code §N.M} (as in "spec §7.3") names a section {@code ## N.} of the spec,
 *     and {@code N.M} a heading {@code ### N.M} or item {@code M.} of the numbered list of section N;</li>
 * <li>every {@code DESIGN.md, "Heading"} names a heading of the design;</li>
 * <li>every relative Markdown link and every {@code docs/<file>} mention is a file that exists;</li>
 * <li>nothing points outside the repository ({@code ../shared/}).</li>
 * </ul>
 * It reads the files of the working tree (no {@code target/}), this one excepted (its examples would
 * match); it starts nothing. The paths the spec itself names ({@code docs/api_design.md}, {@code src/...})
 * are the Rust seed's, not ours, and are not checked.
 */
class DocReferencesTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "."))
            .toAbsolutePath()
            .normalize()
            .getParent();
    private static final Path SPEC = ROOT.resolve("docs/occams-rpc-0.2.md");
    private static final Path DESIGN = ROOT.resolve("docs/DESIGN.md");
    private static final Set<String> TEXT =
            Set.of("java", "md", "xml", "bnd", "cfg", "txt", "properties", "sh", "json", "yml", "yaml");
    private static final Set<String> SKIP_DIRS = Set.of("target", ".git", ".idea", "node_modules");

    private static final Pattern SECTION = Pattern.compile("§(\\d+)(?:\\.(\\d+))?");
    private static final Pattern DESIGN_HEADING = Pattern.compile("DESIGN\\.md,? \"([^\"]+)\"");
    private static final Pattern MD_LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern DOCS_FILE = Pattern.compile("(?<![\\w/.])docs/([\\w.-]+\\.md)");

    @Test
    void everyReferenceToTheSpecTheDesignAndTheDocsResolvesInsideTheRepository() throws IOException {
        assertThat(SPEC).as("the spec lives in the repository").isRegularFile();
        assertThat(DESIGN).as("the design lives in the repository").isRegularFile();
        List<String> spec = Files.readAllLines(SPEC);
        Set<String> designHeadings = new HashSet<>();
        for (String l : Files.readAllLines(DESIGN)) {
            if (l.startsWith("#")) {
                designHeadings.add(l.replaceFirst("^#+\\s*", "").strip());
            }
        }
        List<String> dead = new ArrayList<>();
        int checked = 0;
        for (Path f : textFiles()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(f, StandardCharsets.UTF_8);
            } catch (MalformedInputException binary) {
                continue;
            }
            String where = ROOT.relativize(f).toString();
            if (f.getFileName().toString().equals(DocReferencesTest.class.getSimpleName() + ".java")) {
                continue;
            }
            boolean seedPaths = f.equals(SPEC);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String at = where + ":" + (i + 1) + ": ";
                if (line.contains("../shared/")) {
                    dead.add(at + "points outside the repository (../shared/): " + line.strip());
                }
                for (Matcher m = SECTION.matcher(line); m.find(); checked++) {
                    if (!resolves(
                            spec,
                            Integer.parseInt(m.group(1)),
                            m.group(2) == null ? -1 : Integer.parseInt(m.group(2)))) {
                        dead.add(at + m.group() + " is no section of docs/occams-rpc-0.2.md");
                    }
                }
                for (Matcher m = DESIGN_HEADING.matcher(line); m.find(); checked++) {
                    if (!designHeadings.contains(m.group(1))) {
                        dead.add(at + "\"" + m.group(1) + "\" is no heading of docs/DESIGN.md");
                    }
                }
                for (Matcher m = DOCS_FILE.matcher(line); !seedPaths && m.find(); checked++) {
                    if (!Files.isRegularFile(ROOT.resolve("docs").resolve(m.group(1)))) {
                        dead.add(at + "docs/" + m.group(1) + " does not exist");
                    }
                }
                if (where.endsWith(".md")) {
                    for (Matcher m = MD_LINK.matcher(line); m.find(); checked++) {
                        String target = m.group(1);
                        if (target.matches("^[a-z]+:.*") || target.startsWith("#")) {
                            continue; // a web address or an anchor in the same page
                        }
                        String file = target.replaceFirst("#.*$", "");
                        if (!Files.exists(f.getParent().resolve(file).normalize())) {
                            dead.add(at + "link " + target + " leads to no file");
                        }
                    }
                }
            }
        }
        assertThat(dead).as("dead references (of %d checked)", checked).isEmpty();
        assertThat(checked).as("references found: the walk saw the sources").isGreaterThan(20);
    }

    /** Whether the spec has section {@code n} (and, when {@code m >= 0}, its sub-heading or list item {@code m}). */
    private static boolean resolves(List<String> spec, int n, int m) {
        int start = -1;
        for (int i = 0; i < spec.size(); i++) {
            if (spec.get(i).startsWith("## " + n + ". ")) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            return false;
        }
        if (m < 0) {
            return true;
        }
        for (int i = start + 1; i < spec.size() && !spec.get(i).startsWith("## "); i++) {
            String l = spec.get(i);
            if (l.startsWith("### " + n + "." + m + " ") || l.startsWith(m + ". ")) {
                return true;
            }
        }
        return false;
    }

    private static List<Path> textFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            s.filter(p -> {
                        for (Path part : ROOT.relativize(p)) {
                            if (SKIP_DIRS.contains(part.toString())) {
                                return false;
                            }
                        }
                        String name = p.getFileName().toString();
                        int dot = name.lastIndexOf('.');
                        boolean script = dot < 0
                                && (p.getParent().getFileName().toString().equals("bin")
                                        || p.getParent().equals(ROOT));
                        return Files.isRegularFile(p) && (script || dot > 0 && TEXT.contains(name.substring(dot + 1)));
                    })
                    .forEach(out::add);
        }
        return out;
    }
}
